"""sito_client: the Python client of sitod (producers, subscribers, admins).

Pure Python over Debian's python3-flatbuffers, speaking the FlatBuffers
protocol of schemas/sito.fbs; the wire code is generated from the schema by
the build (see `sito_client._wire` for where it is looked for; `ops/setup`
run as root writes a `sito.pth` that makes both importable).

USAGE

    import sito_client

Producer (blocks until the posts are durable; a rate limit's or a full
disk's refusal is sent again after the server's retry_after_ms):

    with sito_client.connect("127.0.0.1", 7400, token, "producer") as c:
        ack = c.publish([{"id": "1", "source": "vk", "text": "курьер опоздал"}])
        # ack.accepted, ack.first_offset, ack.rejected[i].reason, ack.duplicate_ids

Subscriber (in offset order, gap-free, at least once; credit-based flow
control; resumes after a lost connection):

    with sito_client.subscribe("alerts", "127.0.0.1", 7400, token,
                               topics=["brand"], start="committed") as sub:
        for m in sub:                       # or sub.mentions(idle_timeout=5)
            print(m.post_id, m.topic, m.tags, m.sentiment, m.post.text)
            sub.commit()                    # everything handed out so far

    `start`: "committed" (after the last commit under the name; "latest"
    when none), "latest", an offset (int), or "time" with time_ms=.
    `alerts=True` also delivers spike alerts: sub.take_alerts(), or
    sub.events() for mentions and alerts in one stream.

Admin:

    with sito_client.connect(host, port, token, "admin") as c:
        c.upsert_topics([{"id": "brand", "query": "flowwow OR фловвов",
                          "tags": [{"path": "Доставка", "query": "курьер*"}]}])
        c.list_topics()                     # [Topic]
        c.validate("flowwow NEAR/5 (доставка")   # ValidateResult(ok, canonical, diagnostics)
        c.explain("brand", {"id": "1", "text": "Flowwow опоздал"}).text
        c.stats().counters["posts_ingested"]
        c.stats(topic="brand", from_="-7d", by="day").periods   # [PeriodRow]
        c.backfill("brand")                 # BackfillResult(posts_scanned, mentions)
        c.delete_topics(["brand"])

TLS (when sitod's config has `tls:`): connect(..., tls=True, ca_file="ca.pem");
the certificate must name the host dialled. Without ca_file: the system's
trust store.

ERRORS are exceptions: every failure raises a `SitoError` whose `.code` is
the wire ErrorCode's name ("Unauthenticated", "NotFound", ...), `.message`
the server's reason; subclasses per code (`UnauthenticatedError`,
`NotFoundError`, `OverloadedError` with `.retry_after_ms`, ...). A query the
server refuses raises `QueryError` with `.position` (offset, line, column),
`.topic`, `.hint` and `.diagnostics`: upsert_topics() always (the topics
that compiled are stored: `.result`), validate() with strict=True.
Client-side failures: `ConnectionLostError` ("Unavailable"), `SitoTimeout`
("DeadlineExceeded").

THREAD-SAFETY: a Connection and its Subscriptions belong to one thread at a
time; the value types are plain dataclasses.
"""

from .client import Connection, Role, Subscription, connect, subscribe
from .errors import (ConnectionLostError, FrameTooLargeError, InternalError, InvalidArgumentError,
                     MalformedFrameError, NotFoundError, OverloadedError, PermissionDeniedError, Position, QueryError,
                     SitoError, SitoTimeout, StorageUnavailableError, UnauthenticatedError, UnsupportedVersionError)
from .types import (Aggregate, Alert, Author, BackfillResult, Diagnostic, ExplainResult, Highlight, Image, Mention,
                    PeriodRow, Post, PublishAck, RejectedPost, Rule, SentimentCounts, StatsResult, TagRule, Topic,
                    TopicsResult, ValidateResult, Welcome)

__all__ = [
    "Connection", "Role", "Subscription", "connect", "subscribe",
    "SitoError", "MalformedFrameError", "FrameTooLargeError", "UnsupportedVersionError", "UnauthenticatedError",
    "PermissionDeniedError", "NotFoundError", "InvalidArgumentError", "QueryError", "OverloadedError",
    "InternalError", "StorageUnavailableError", "ConnectionLostError", "SitoTimeout", "Position",
    "Aggregate", "Alert", "Author", "BackfillResult", "Diagnostic", "ExplainResult", "Highlight", "Image", "Mention",
    "PeriodRow", "Post", "PublishAck", "RejectedPost", "Rule", "SentimentCounts", "StatsResult", "TagRule", "Topic",
    "TopicsResult", "ValidateResult", "Welcome",
]
