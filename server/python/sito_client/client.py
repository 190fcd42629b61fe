"""Connections to sitod and subscriptions (the protocol of schemas/sito.fbs).

See the package docstring (`help(sito_client)`) for usage. A `Connection`
and its `Subscription`s are used by one thread at a time.
"""

from __future__ import annotations

import collections
import enum
import socket
import ssl
import time
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from . import _wire
from ._wire import MESSAGE, W, text
from .errors import (ConnectionLostError, FrameTooLargeError, MalformedFrameError, OverloadedError, QueryError,
                     SitoError, SitoTimeout, StorageUnavailableError, from_wire)
from .types import (Alert, BackfillResult, Diagnostic, ExplainResult, Mention, PostLike, PublishAck, RejectedPost,
                    StatsResult, Topic, TopicLike, TopicsResult, ValidateResult, Welcome, as_post, as_topic)


class Role(enum.IntEnum):
    """What a connection may do (schemas/sito.fbs `Role`); the token must grant it (admin grants all)."""

    PRODUCER = 0    #: publishes posts
    SUBSCRIBER = 1  #: receives mentions
    ADMIN = 2       #: manages topics, reads stats


_START = {"latest": 0, "committed": 1, "offset": 2, "time": 3}
RoleLike = Union[Role, str, int]


def _role(r: RoleLike) -> Role:
    if isinstance(r, str):
        try:
            return Role[r.upper()]
        except KeyError:
            raise ValueError("role must be producer, subscriber or admin, not %r" % r) from None
    return Role(r)


def _query_error(diagnostics: Sequence[Diagnostic], result: Any, what: str) -> QueryError:
    first = next(d for d in diagnostics if d.is_error)
    topic = (" of topic '%s'" % first.topic) if first.topic else ""
    return QueryError("%s%s: %s" % (what, topic, first.message), diagnostics=diagnostics, topic=first.topic,
                      hint=first.hint, position=first.position, result=result)


class Connection:
    """One protocol connection to sitod, as one role of one tenant.

    Opening connects (TCP, TLS when `tls` or `ca_file`), sends Hello and
    waits for Welcome; a refused token raises `UnauthenticatedError` (or
    `PermissionDeniedError` for a role the token does not grant). Every call
    blocks until the server's reply, at most `timeout` seconds (backfill has
    its own), and raises a `SitoError` on failure.

    Not thread-safe: use a connection (and its subscriptions) from one thread.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 7400, token: str = "", role: RoleLike = Role.SUBSCRIBER,
                 *, tls: bool = False, ca_file: Optional[str] = None, verify_peer: bool = True,
                 timeout: float = 10.0, client_name: str = "sito-python", resend_refused: bool = True) -> None:
        self.host, self.port, self.token = host, port, token
        self.role = _role(role)
        self.tls = tls or ca_file is not None
        self.ca_file = ca_file
        self.verify_peer = verify_peer
        self.timeout = timeout
        self.client_name = client_name
        #: publish() sends a batch the server refused with a retry_after_ms (a
        #: rate limit, a store that cannot write) again after that wait, within
        #: `timeout`; False: the refusal is raised at once.
        self.resend_refused = resend_refused
        self._sock: Optional[socket.socket] = None
        self._buf = bytearray()
        self._next_request = 1
        self._pushes: Dict[str, Deque[List[Mention]]] = collections.defaultdict(collections.deque)
        self._alerts: Dict[str, List[Alert]] = collections.defaultdict(list)
        self._fire_and_forget: Dict[int, str] = {}      # request id -> subscription of a Credit/Commit sent
        self._late_errors: Dict[str, List[SitoError]] = collections.defaultdict(list)
        self._subscriptions: Dict[str, "Subscription"] = {}
        #: how many times the connection was opened again (publish, subscriptions)
        self.reconnects = 0
        self.welcome: Welcome
        self._open()

    # ---- lifetime ---------------------------------------------------------

    @property
    def tenant(self) -> str:
        """The tenant the token belongs to (from Welcome)."""
        return self.welcome.tenant

    @property
    def closed(self) -> bool:
        return self._sock is None

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection after the server has read everything sent
        (a Commit sent just before is not lost to a reset). Idempotent."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:  # until the server closes its side (it has read our frames)
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                if not sock.recv(65536):
                    break
        except OSError:
            pass
        finally:
            sock.close()

    def _open(self) -> None:
        where = "%s:%d" % (self.host, self.port)
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as e:
            raise ConnectionLostError("cannot connect to %s: %s" % (where, e)) from e
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock: socket.socket = raw
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.ca_file)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            if not self.verify_peer:  # tests only: no protection from a man in the middle
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            try:
                sock = ctx.wrap_socket(raw, server_hostname=self.host)
            except (ssl.SSLError, OSError) as e:
                raw.close()
                raise ConnectionLostError("TLS handshake with %s failed: %s" % (where, e)) from e
        self._sock = sock
        self._buf.clear()
        self._pushes.clear()
        self._fire_and_forget.clear()
        try:
            env = self._request(MESSAGE.Hello, self._build_hello, MESSAGE.Welcome)
        except SitoError:
            self._lost()  # the server keeps a refused connection open: do not wait for its close
            raise
        w = _wire.message_as(env, "Welcome")
        self.welcome = Welcome(w.ProtocolVersion(), text(w.Tenant()), w.MaxFrameBytes(), w.MaxBatchPosts(),
                               w.ProducerWindow(), text(w.ServerVersion()))

    def _build_hello(self, b: Any) -> int:
        token, name = b.CreateString(self.token), b.CreateString(self.client_name)
        W.Hello.HelloStart(b)
        W.Hello.HelloAddProtocolVersion(b, _wire.PROTOCOL_VERSION)
        W.Hello.HelloAddRole(b, int(self.role))
        W.Hello.HelloAddToken(b, token)
        W.Hello.HelloAddClientName(b, name)
        return W.Hello.HelloEnd(b)

    def reconnect(self) -> None:
        """Opens a new connection with the same options (Hello again) and
        subscribes every subscription of this connection again, right after
        the last mention it received (those not handed out yet stay queued)."""
        self.close()
        self._open()
        self.reconnects += 1
        for sub in list(self._subscriptions.values()):
            sub._subscribe()

    # ---- frames -----------------------------------------------------------

    def _send(self, framed: bytes) -> None:
        if self._sock is None:
            raise ConnectionLostError("the connection is closed")
        limit = getattr(self, "welcome", None)
        if limit is not None and limit.max_frame_bytes and len(framed) - 4 > limit.max_frame_bytes:
            raise FrameTooLargeError("frame of %d bytes exceeds the server's limit of %d bytes"
                                     % (len(framed) - 4, limit.max_frame_bytes))
        try:
            self._sock.sendall(framed)
        except OSError as e:
            self._lost()
            raise ConnectionLostError("write to sitod failed: %s" % e) from e

    def _lost(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _read_frame(self, timeout: Optional[float]) -> Optional[Any]:
        """The next frame's Envelope, or None when `timeout` (seconds; None: forever) passes first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if len(self._buf) >= _wire.PREFIX_BYTES:
                n = _wire.frame_length(bytes(self._buf[:4]))
                if len(self._buf) >= 4 + n:
                    frame = bytearray(self._buf[4:4 + n])
                    del self._buf[:4 + n]
                    try:
                        return _wire.open_envelope(frame)
                    except _wire.FrameError as e:
                        raise MalformedFrameError("sitod sent a malformed frame: %s" % e) from e
            if self._sock is None:
                raise ConnectionLostError("the connection is closed")
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            try:
                self._sock.settimeout(left)
                chunk = self._sock.recv(65536)
            except socket.timeout:
                return None
            except OSError as e:
                self._lost()
                raise ConnectionLostError("connection to sitod lost: %s" % e) from e
            if not chunk:
                self._lost()
                raise ConnectionLostError("sitod closed the connection")
            self._buf += chunk

    def _error_of(self, env: Any) -> SitoError:
        e = _wire.message_as(env, "Error")
        code = _wire.ERROR_CODE_NAMES.get(e.Code(), str(e.Code()))
        return from_wire(code, text(e.Message()), text(e.InReplyTo()), e.RetryAfterMs())

    def _dispatch_push(self, env: Any) -> bool:
        """Queues a server push (MentionBatch, AlertBatch) or a late Error; True if it was one."""
        t, rid = env.MessageType(), env.RequestId()
        if t == MESSAGE.MentionBatch and rid == 0:
            m = _wire.message_as(env, "MentionBatch")
            batch = [Mention._from_wire(x) for x in _wire.tables(m, "Mentions")]
            self._pushes[text(m.Subscription())].append(batch)
            return True
        if t == MESSAGE.AlertBatch and rid == 0:
            a = _wire.message_as(env, "AlertBatch")
            self._alerts[text(a.Subscription())].extend(Alert._from_wire(x) for x in _wire.tables(a, "Alerts"))
            return True
        if t == MESSAGE.Error and rid in self._fire_and_forget:
            self._late_errors[self._fire_and_forget.pop(rid)].append(self._error_of(env))
            return True
        return False

    def _request(self, message_type: int, build: Callable[[Any], int], expected: int,
                 timeout: Optional[float] = None) -> Any:
        """Sends one request and returns the Envelope of its reply; raises the server's Error."""
        rid = self._next_request
        self._next_request += 1
        self._send(_wire.envelope(rid, message_type, build))
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            env = self._read_frame(max(0.0, deadline - time.monotonic()))
            if env is None:
                raise SitoTimeout("no reply from sitod to %s within %.1f s"
                                  % (_wire.MESSAGE_NAMES.get(message_type, message_type), wait))
            if self._dispatch_push(env):
                continue
            t, got = env.MessageType(), env.RequestId()
            if t == MESSAGE.Error and got in (rid, 0):
                raise self._error_of(env)
            if got == rid and t == expected:
                return env
            # Anything else (a late reply to a request that timed out) is dropped.

    def _send_only(self, message_type: int, build: Callable[[Any], int], subscription: str) -> None:
        rid = self._next_request
        self._next_request += 1
        self._fire_and_forget[rid] = subscription
        if len(self._fire_and_forget) > 10000:  # errors are rare; forget the oldest ids
            for old in list(self._fire_and_forget)[:5000]:
                del self._fire_and_forget[old]
        self._send(_wire.envelope(rid, message_type, build, 256))

    # ---- producers --------------------------------------------------------

    def publish(self, posts: Iterable[PostLike], *, batch_size: Optional[int] = None) -> PublishAck:
        """Publishes posts (`Post`s or their JSON form as dicts) and returns
        once the server has stored them durably.

        The posts go in batches of at most `batch_size` (default and cap: the
        server's max_batch_posts), one at a time. A batch the server refuses
        with a retry_after_ms (Overloaded by its rate limit,
        StorageUnavailable) is sent again after that wait within `timeout`
        (see `resend_refused`); a connection the server closed (its idle
        timeout, a restart) is opened again once. Ingest is idempotent, so a
        re-sent batch that was stored comes back as duplicates.
        A batch too large for one frame (images) is split in halves.
        `RejectedPost.index` is the position in `posts`."""
        items = [as_post(p) for p in posts]
        cap = self.welcome.max_batch_posts or len(items) or 1
        size = max(1, min(batch_size or cap, cap))
        total = PublishAck()
        first = True

        def send(start: int, end: int) -> None:
            nonlocal first
            try:
                ack = self._publish_batch(items[start:end])
            except FrameTooLargeError:
                if end - start == 1:
                    raise
                mid = (start + end) // 2  # large images: halves until a batch fits in a frame
                send(start, mid)
                send(mid, end)
                return
            if first and ack.accepted:
                total.first_offset = ack.first_offset
                first = False
            total.accepted += ack.accepted
            total.duplicates += ack.duplicates
            total.duplicate_ids += ack.duplicate_ids
            total.edits += ack.edits
            total.rejected += [RejectedPost(r.index + start, r.post_id, r.reason) for r in ack.rejected]

        for start in range(0, len(items), size):
            send(start, min(start + size, len(items)))
        return total

    def _publish_batch(self, posts: List[Any]) -> PublishAck:
        def build(b: Any) -> int:
            refs = [p._to_wire(b) for p in posts]
            vec = _wire.vector_of_offsets(b, refs)
            W.PublishBatch.PublishBatchStart(b)
            W.PublishBatch.PublishBatchAddPosts(b, vec)
            return W.PublishBatch.PublishBatchEnd(b)

        deadline = time.monotonic() + self.timeout
        reconnected = False
        while True:
            try:
                if self._sock is None and not reconnected:
                    reconnected = True
                    self.reconnect()
                env = self._request(MESSAGE.PublishBatch, build, MESSAGE.PublishAck)
                break
            except ConnectionLostError:
                if reconnected:
                    raise
                reconnected = True
                self.reconnect()
            except (OverloadedError, StorageUnavailableError) as e:
                wait = e.retry_after_ms / 1000.0
                if not self.resend_refused or wait <= 0 or time.monotonic() + wait > deadline:
                    raise
                time.sleep(wait)
        a = _wire.message_as(env, "PublishAck")
        return PublishAck(accepted=a.Accepted(), first_offset=a.FirstOffset(),
                          rejected=[RejectedPost(r.Index(), text(r.PostId()), text(r.Reason()))
                                    for r in _wire.tables(a, "Rejected")],
                          duplicates=a.Duplicates(), duplicate_ids=_wire.texts(a, "DuplicateIds"), edits=a.Edits())

    # ---- subscribers ------------------------------------------------------

    def subscribe(self, name: str, *, topics: Sequence[str] = (), tags: Sequence[str] = (),
                  start: Union[str, int] = "committed", time_ms: int = 0, credit: int = 1000,
                  alerts: bool = False, reconnect: bool = True, first_posts_only: bool = False) -> "Subscription":
        """Starts the durable subscription `name` on this connection.

        `topics` (ids) and `tags` (paths; a tag also selects its subtree)
        filter the tenant's mentions; both empty: every topic. `start`:
        "committed" (right after the offset last committed under `name`;
        "latest" when none), "latest" (mentions matched from now on), an
        offset (int), or "time" with `time_ms` (the first mention matched at
        or after it). `credit`: mentions the server may send ahead of what
        this client has read. `alerts`: also receive spike alerts of these
        topics and tags (`take_alerts()`, `events()`). `first_posts_only`:
        near-duplicates (mentions with `duplicate_of`) are not delivered, only
        the first post of each cluster. `reconnect`: when the
        connection is lost, open it again and resume right after the last
        mention handed out (within the connection's timeout)."""
        if name in self._subscriptions:
            raise ValueError("subscription '%s' is already open on this connection" % name)
        sub = Subscription(self, name, list(topics), list(tags), start, time_ms, credit, alerts, reconnect,
                           first_posts_only=first_posts_only)
        sub._subscribe()
        self._subscriptions[name] = sub
        return sub

    # ---- admin ------------------------------------------------------------

    def _topics_result(self, env: Any) -> TopicsResult:
        r = _wire.message_as(env, "TopicsResult")
        return TopicsResult([Topic._from_wire(t) for t in _wire.tables(r, "Topics")],
                            [Diagnostic._from_wire(d) for d in _wire.tables(r, "Diagnostics")],
                            r.SnapshotVersion())

    def list_topics(self) -> List[Topic]:
        """Every topic of the tenant."""

        def build(b: Any) -> int:
            W.ListTopics.ListTopicsStart(b)
            return W.ListTopics.ListTopicsEnd(b)

        return self._topics_result(self._request(MESSAGE.ListTopics, build, MESSAGE.TopicsResult)).topics

    def upsert_topics(self, topics: Iterable[TopicLike], *, strict: bool = True) -> TopicsResult:
        """Creates or replaces topics (`Topic`s or topics-file dicts); they
        are live for posts published after this returns.

        A topic whose query (or tag or rule) does not compile is not stored,
        the others are. With `strict` (the default) that raises `QueryError`
        with the first error's `.topic`, `.position` and `.hint`, every
        diagnostic and `.result` (what was stored); without, the errors are
        in the result's `diagnostics`."""
        items = [as_topic(t) for t in topics]

        def build(b: Any) -> int:
            vec = _wire.vector_of_offsets(b, [t._to_wire(b) for t in items])
            W.UpsertTopics.UpsertTopicsStart(b)
            W.UpsertTopics.UpsertTopicsAddTopics(b, vec)
            return W.UpsertTopics.UpsertTopicsEnd(b)

        result = self._topics_result(self._request(MESSAGE.UpsertTopics, build, MESSAGE.TopicsResult))
        if strict and result.errors:
            raise _query_error(result.diagnostics, result, "not stored")
        return result

    def delete_topics(self, ids: Iterable[str], *, strict: bool = False) -> TopicsResult:
        """Deletes topics by id. Ids that do not exist are diagnostics (with
        `strict`: `NotFoundError`); the others are deleted."""
        ids = list(ids)

        def build(b: Any) -> int:
            vec = _wire.strings(b, ids, absent_when_empty=False)
            W.DeleteTopics.DeleteTopicsStart(b)
            W.DeleteTopics.DeleteTopicsAddIds(b, vec)
            return W.DeleteTopics.DeleteTopicsEnd(b)

        result = self._topics_result(self._request(MESSAGE.DeleteTopics, build, MESSAGE.TopicsResult))
        if strict and result.diagnostics:
            raise from_wire("NotFound", "; ".join(d.message for d in result.diagnostics), "DeleteTopics")
        return result

    def validate(self, query: str, *, with_channels: bool = False, strict: bool = False) -> ValidateResult:
        """Parses a query on the server: `ok`, the canonical form, and the
        errors and warnings at their positions. With `strict`, an invalid
        query raises `QueryError` (position, hint, diagnostics).
        `with_channels`: the topic has channels (an empty query is fine)."""

        def build(b: Any) -> int:
            q = b.CreateString(query)
            W.Validate.ValidateStart(b)
            W.Validate.ValidateAddQuery(b, q)
            W.Validate.ValidateAddWithChannels(b, with_channels)
            return W.Validate.ValidateEnd(b)

        r = _wire.message_as(self._request(MESSAGE.Validate, build, MESSAGE.ValidateResult), "ValidateResult")
        result = ValidateResult(bool(r.Ok()), text(r.Canonical()),
                                [Diagnostic._from_wire(d) for d in _wire.tables(r, "Diagnostics")])
        if strict and not result.ok:
            if any(d.is_error for d in result.diagnostics):
                raise _query_error(result.diagnostics, result, "invalid query")
            raise QueryError("invalid query", diagnostics=result.diagnostics, result=result)
        return result

    def explain(self, topic: str, post: PostLike) -> ExplainResult:
        """Why `post` matches the stored topic `topic` or not (NotFoundError for an unknown topic)."""
        p = as_post(post)

        def build(b: Any) -> int:
            t, wp = b.CreateString(topic), p._to_wire(b)
            W.Explain.ExplainStart(b)
            W.Explain.ExplainAddTopic(b, t)
            W.Explain.ExplainAddPost(b, wp)
            return W.Explain.ExplainEnd(b)

        r = _wire.message_as(self._request(MESSAGE.Explain, build, MESSAGE.ExplainResult), "ExplainResult")
        return ExplainResult(bool(r.Matched()), text(r.Text()))

    def stats(self, *, topic: str = "", tag: str = "", from_: str = "", to: str = "", by: str = "",
              among: Sequence[str] = (), time_zone: str = "") -> StatsResult:
        """The tenant's counters, rolling aggregates and recent alerts; with
        `by` ("hour", "day", "week", "month", "all") also one PeriodRow per
        bucket from `from_` to `to` (`sito stats --by`: -7d, 2026-11-01,
        Unix seconds, ...; `to` empty: now) of `topic` (empty: the tenant's
        total) or its `tag` subtree, share of voice `among` those topics."""

        def build(b: Any) -> int:
            S = _wire.string
            t, g, f, u, y = S(b, topic), S(b, tag), S(b, from_), S(b, to), S(b, by)
            am, tz = _wire.strings(b, among), S(b, time_zone)
            M = W.Stats
            M.StatsStart(b)
            M.StatsAddTopic(b, t)
            M.StatsAddTag(b, g)
            M.StatsAddFrom_(b, f)
            M.StatsAddTo(b, u)
            M.StatsAddBy(b, y)
            M.StatsAddAmong(b, am)
            M.StatsAddTimeZone(b, tz)
            return M.StatsEnd(b)

        r = _wire.message_as(self._request(MESSAGE.Stats, build, MESSAGE.StatsResult), "StatsResult")
        return StatsResult._from_wire(r)

    def backfill(self, topic: str, *, from_ms: int = 0, to_ms: int = 0, timeout: float = 600.0) -> BackfillResult:
        """Runs `topic` over the retained posts the live matcher took before
        it went live (`sito backfill`); the mentions go to subscribers marked
        `backfill`. Blocks until done, at most `timeout` seconds."""

        def build(b: Any) -> int:
            t = b.CreateString(topic)
            W.Backfill.BackfillStart(b)
            W.Backfill.BackfillAddTopic(b, t)
            W.Backfill.BackfillAddFromTime(b, from_ms)
            W.Backfill.BackfillAddToTime(b, to_ms)
            return W.Backfill.BackfillEnd(b)

        env = self._request(MESSAGE.Backfill, build, MESSAGE.BackfillResult, timeout=max(timeout, self.timeout))
        r = _wire.message_as(env, "BackfillResult")
        return BackfillResult(r.PostsScanned(), r.Mentions())

    def ping(self) -> float:
        """A round trip to the server; its duration in seconds."""
        started = time.monotonic()

        def build(b: Any) -> int:
            W.Ping.PingStart(b)
            W.Ping.PingAddNonce(b, 42)
            return W.Ping.PingEnd(b)

        self._request(MESSAGE.Ping, build, MESSAGE.Pong)
        return time.monotonic() - started


class Subscription:
    """A durable subscription on a connection: mentions in offset order,
    gap-free, at least once (everything after the last commit comes again
    after a restart). Iterating yields `Mention`s (forever; `mentions()`
    stops when idle); `commit()` stores progress under the name.

    Made by `Connection.subscribe()` or `sito_client.subscribe()` (which owns
    its connection: closing the subscription closes it). Not thread-safe."""

    def __init__(self, conn: Connection, name: str, topics: List[str], tags: List[str], start: Union[str, int],
                 time_ms: int, credit: int, alerts: bool, reconnect: bool, owns_connection: bool = False,
                 first_posts_only: bool = False) -> None:
        if isinstance(start, str) and start not in _START:
            raise ValueError("start must be latest, committed, time or an offset, not %r" % start)
        self.connection = conn
        self.name = name
        self.topics, self.tags = topics, tags
        self._start, self._time_ms = start, time_ms
        self.credit = max(1, credit)
        self.alerts_wanted = alerts
        self.first_posts_only = first_posts_only
        self.reconnect = reconnect
        self.owns_connection = owns_connection
        #: offset of the last mention handed out (None: none yet); commit() commits it
        self.last_offset: Optional[int] = None
        self._received: Optional[int] = None  # the last offset taken from the wire (resume after it)
        #: offset last sent in a Commit (None: none yet)
        self.committed: Optional[int] = None
        self._ready: Deque[Mention] = collections.deque()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection when this subscription owns it (the server has
        no unsubscribe: a shared connection keeps receiving it)."""
        if self.owns_connection:
            self.connection.close()

    def _subscribe(self) -> None:
        """Sends Subscribe: from the original start, or right after the last
        mention handed out once there is one (a reconnect)."""
        if self._received is not None:
            kind, offset = _START["offset"], self._received + 1
        elif isinstance(self._start, int):
            kind, offset = _START["offset"], self._start
        else:
            kind, offset = _START[self._start], 0
        c = self.connection

        def build(b: Any) -> int:
            name = b.CreateString(self.name)
            topics = _wire.strings(b, self.topics, absent_when_empty=False)
            tags = _wire.strings(b, self.tags, absent_when_empty=False)
            M = W.Subscribe
            M.SubscribeStart(b)
            M.SubscribeAddName(b, name)
            M.SubscribeAddTopics(b, topics)
            M.SubscribeAddTags(b, tags)
            M.SubscribeAddStart(b, kind)
            M.SubscribeAddOffset(b, offset)
            M.SubscribeAddTime(b, self._time_ms)
            M.SubscribeAddInitialCredit(b, self.credit)
            M.SubscribeAddAlerts(b, self.alerts_wanted)
            M.SubscribeAddFirstPostsOnly(b, self.first_posts_only)
            return M.SubscribeEnd(b)

        c._request(MESSAGE.Subscribe, build, MESSAGE.MentionBatch)  # acknowledged by an empty MentionBatch

    def _raise_late_errors(self) -> None:
        errors = self.connection._late_errors.pop(self.name, None)
        if errors:
            raise errors[0]

    def _give_credit(self, n: int) -> None:
        def build(b: Any) -> int:
            name = b.CreateString(self.name)
            W.Credit.CreditStart(b)
            W.Credit.CreditAddSubscription(b, name)
            W.Credit.CreditAddMentions(b, n)
            return W.Credit.CreditEnd(b)

        self.connection._send_only(MESSAGE.Credit, build, self.name)

    def _fill(self, timeout: Optional[float], wake_on_alert: bool = False) -> bool:
        """Reads until a batch of this subscription arrives (or, with
        `wake_on_alert`, an alert); False when `timeout` passes first."""
        c = self.connection
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            queue = c._pushes.get(self.name)
            if queue:
                batch = queue.popleft()
                if batch:
                    self._give_credit(len(batch))  # as many as arrived: the window stays `credit` wide
                for m in batch:
                    if self._received is not None and m.offset <= self._received:
                        continue  # sent again after a resume
                    self._ready.append(m)
                    self._received = m.offset
                if self._ready:
                    return True
                continue
            if wake_on_alert and c._alerts.get(self.name):
                return True
            self._raise_late_errors()
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            env = c._read_frame(left)
            if env is None:
                return False
            if not c._dispatch_push(env) and env.MessageType() == MESSAGE.Error:
                raise c._error_of(env)

    def _wait(self, timeout: Optional[float], wake_on_alert: bool = False) -> None:
        """Fills the ready queue, opening a lost connection again when `reconnect`."""
        give_up = None
        delay = 0.2
        while True:
            try:
                if self.connection.closed and self.reconnect:
                    self.connection.reconnect()
                self._fill(timeout, wake_on_alert)
                return
            except ConnectionLostError:
                if not self.reconnect:
                    raise
                now = time.monotonic()
                give_up = give_up or now + self.connection.timeout
                if now >= give_up:
                    raise
                self.connection._lost()
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def _hand_out(self) -> Mention:
        m = self._ready.popleft()
        self.last_offset = m.offset
        return m

    def next_batch(self, timeout: Optional[float] = None) -> List[Mention]:
        """The mentions that are ready (waiting up to `timeout` seconds for
        some; None: without end); [] when none came in time. A lost connection
        is opened again when `reconnect` (retrying for the connection's
        timeout), else raises ConnectionLostError."""
        if not self._ready:
            self._wait(timeout)
        return [self._hand_out() for _ in range(len(self._ready))]

    def __iter__(self) -> Iterator[Mention]:
        return self.mentions()

    def mentions(self, idle_timeout: Optional[float] = None, limit: Optional[int] = None) -> Iterator[Mention]:
        """Yields mentions one by one; stops after `idle_timeout` seconds
        without one (None: never) or after `limit` mentions."""
        n = 0
        while limit is None or n < limit:
            if not self._ready:
                self._wait(idle_timeout)
                if not self._ready:
                    if idle_timeout is not None:
                        return
                    continue
            n += 1
            yield self._hand_out()

    def take_alerts(self) -> List[Alert]:
        """Spike alerts received so far (subscribe with alerts=True); they are live events, never replayed."""
        return self.connection._alerts.pop(self.name, [])

    def events(self, idle_timeout: Optional[float] = None) -> Iterator[Union[Mention, Alert]]:
        """Yields spike alerts as they arrive and mentions, in one stream;
        stops after `idle_timeout` seconds without either (None: never)."""
        while True:
            alerts = self.take_alerts()
            if alerts:
                yield from alerts
                continue
            if self._ready:
                yield self._hand_out()
                continue
            self._wait(idle_timeout, wake_on_alert=True)
            if not self._ready and not self.connection._alerts.get(self.name) and idle_timeout is not None:
                return

    def commit(self, offset: Optional[int] = None) -> None:
        """Stores `offset` (default: the last mention handed out) as processed
        under the subscription's name: a later subscribe from "committed"
        starts right after it. The server stores it in the background and
        answers only a failure (raised by a later call); close() waits until
        the server has read it."""
        self._raise_late_errors()
        offset = self.last_offset if offset is None else offset
        if offset is None:
            return

        def build(b: Any) -> int:
            name = b.CreateString(self.name)
            W.Commit.CommitStart(b)
            W.Commit.CommitAddSubscription(b, name)
            W.Commit.CommitAddOffset(b, offset)
            return W.Commit.CommitEnd(b)

        self.connection._send_only(MESSAGE.Commit, build, self.name)
        self.committed = offset


def connect(host: str = "127.0.0.1", port: int = 7400, token: str = "", role: RoleLike = Role.SUBSCRIBER,
            **options: Any) -> Connection:
    """Opens a Connection (see its options: tls, ca_file, verify_peer, timeout, client_name, resend_refused)."""
    return Connection(host, port, token, role, **options)


def subscribe(name: str, host: str = "127.0.0.1", port: int = 7400, token: str = "", *,
              topics: Sequence[str] = (), tags: Sequence[str] = (), start: Union[str, int] = "committed",
              time_ms: int = 0, credit: int = 1000, alerts: bool = False, reconnect: bool = True,
              first_posts_only: bool = False, **options: Any) -> Subscription:
    """Opens a subscriber connection and a subscription on it; closing the subscription closes the connection."""
    conn = Connection(host, port, token, Role.SUBSCRIBER, **options)
    try:
        sub = conn.subscribe(name, topics=topics, tags=tags, start=start, time_ms=time_ms, credit=credit,
                             alerts=alerts, reconnect=reconnect, first_posts_only=first_posts_only)
    except BaseException:
        conn.close()
        raise
    sub.owns_connection = True
    return sub
