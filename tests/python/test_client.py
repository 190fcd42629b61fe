"""Tests of the Python client (server/python/sito_client) against a real sitod.

ctest runs it as python_client_test:

    /usr/bin/python3 tests/python/test_client.py --sitod build/server/sitod \
        --sito build/server/sito --wire build/schemas/python

(or $SITOD, $SITO_CLI and $SITO_WIRE_PYTHON). One sitod child process serves
every test, on ports it picks itself, with a temporary data dir and a config
of its own; each test has a tenant of its own so that their mention logs do
not mix:

- acme:  publish -> subscribe gives exactly what `sito match` gives for the
         same posts (ops/sample/make_firehose.py) and topics;
- gamma: resume after a disconnect (commit part way, close, subscribe from
         the committed offset; and a connection that drops under the
         iterator) without gaps or duplicates;
- beta:  errors as exceptions with the server's code and position, and the
         admin calls (topics, validate, explain, stats, backfill, delete);
- delta: spike alerts (AlertBatch) next to mentions.

A second sitod with `tls:` checks TLS with a CA file.

The README's "Python client" bot is run against it too.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "support"))
from sitod_child import SitodChild, sha256, wait_until  # noqa: E402
ARGS = argparse.Namespace(sitod=os.environ.get("SITOD", str(REPO / "build/server/sitod")),
                          sito=os.environ.get("SITO_CLI", str(REPO / "build/server/sito")),
                          wire=os.environ.get("SITO_WIRE_PYTHON", str(REPO / "build/schemas/python")))

TOKENS = {  # tenant -> role -> secret
    "acme": {"producer": "acme-producer", "subscriber": "acme-subscriber", "admin": "acme-admin"},
    "beta": {"producer": "beta-producer", "subscriber": "beta-subscriber", "admin": "beta-admin"},
    "gamma": {"producer": "gamma-producer", "subscriber": "gamma-subscriber", "admin": "gamma-admin"},
    "delta": {"producer": "delta-producer", "subscriber": "delta-subscriber", "admin": "delta-admin"},
}

# Topics of the sample tenant's kind: auto-tags, ordered rules (a sentiment
# override, tags and priority on negative mentions, processed), channels.
ACME_TOPICS: List[Dict[str, Any]] = [
    {"id": "brand", "name": "Brand",
     "query": 'flowwow, фловвов, фловву, флоувоу, #flowwow, @flowwow_ru, contains:"flowwow"',
     "own_accounts": ["@flowwow_ru", "@flowwow_support"],
     "tags": [{"path": "Субъект/Курьер", "query": "курьер* OR courier*"},
              {"path": "Тачпоинт/Доставка", "query": "доставка OR доставить OR привез* OR delivery"},
              {"path": "Тачпоинт/Доставка/Опоздание", "query": 'опоздал* OR задержк* OR "так и не" OR late'},
              {"path": "Тачпоинт/Товар/Букет", "query": "букет* OR цвет* OR bouquet* OR flowers"},
              {"path": "NPS/Критик", "query": '("не рекомендую", "никогда больше", ужас*, кошмар*)'},
              {"path": "Источник/Отзывы", "query": "type:review"}],
     "rules": [{"name": "our-answers", "when": "is:own", "then": {"processed": True}},
               {"name": "detractor", "when": 'tag:"NPS/Критик"', "then": {"sentiment": "negative"}},
               {"name": "escalate", "when": "sentiment:negative AND NOT is:processed",
                "then": {"add_tags": ["Эскалация/Поддержка"], "priority": 85}}]},
    {"id": "cards", "name": "Review cards", "query": "",
     "channels": ["otzovik:flowwow", "app_store:flowwow", "google_play:ru.flowwow", "yandex_maps:flowwow"]},
    {"id": "delivery", "query": "доставка OR курьер* OR delivery"},
    {"id": "life", "query": "жизнь OR человек OR бог*",
     "tags": [{"path": "Смерть", "query": "смерть OR умер*"}]},
    {"id": "love", "query": "любовь NEAR/3 (жизнь, смерть)"},
]


class Sitod(SitodChild):
    """sitod as a child process (tests/support/sitod_child.py) with a config
    and data dir of its own."""

    def __init__(self, workdir: Path, extra: Tuple[str, ...] = ()) -> None:
        super().__init__(ARGS.sitod, workdir / "sitod.yaml", workdir / "sitod.log")
        lines = ["listen: 127.0.0.1:0", "http: 127.0.0.1:0", "data_dir: %s" % (workdir / "data"),
                 "ocr: off", *extra,
                 # Spikes from the first minute: five mentions in a minute alert.
                 "alerts: {z: 1, min_ratio: 1, min_count: 5, warmup_minutes: 0, cooldown_minutes: 10}",
                 "tenants:"]
        for tenant, roles in TOKENS.items():
            lines.append("  - name: %s" % tenant)
            lines.append("    tokens:")
            for role, secret in roles.items():
                lines.append("      - {sha256: %s, role: %s}" % (sha256(secret), role))
        (workdir / "sitod.yaml").write_text("\n".join(lines) + "\n")


SITOD: Optional[Sitod] = None
WORKDIR: Optional[Path] = None


def setUpModule() -> None:
    global SITOD, WORKDIR
    WORKDIR = Path(tempfile.mkdtemp(prefix="sito-python-client-"))
    SITOD = Sitod(WORKDIR)
    SITOD.start()


def tearDownModule() -> None:
    if SITOD:
        SITOD.stop()
    if WORKDIR:
        shutil.rmtree(WORKDIR, ignore_errors=True)


def connect(tenant: str, role: str, **options: Any) -> "sito_client.Connection":
    assert SITOD is not None
    return sito_client.connect("127.0.0.1", SITOD.port, TOKENS[tenant][role], role, **options)


def key(post_id: str, topic: str, tags: List[str], sentiment: str, sentiment_source: str, priority: float,
        processed: bool, wom: bool, highlights: List[Tuple[str, int, int, str]]) -> Tuple[Any, ...]:
    return (post_id, topic, tuple(tags), sentiment, sentiment_source, round(priority * 10) / 10, processed, wom,
            tuple(highlights))


def mention_key(m: "sito_client.Mention") -> Tuple[Any, ...]:
    return key(m.post_id, m.topic, m.tags, m.sentiment, m.sentiment_source, m.priority, m.processed, m.wom,
               [(h.field, h.start, h.end, h.term) for h in m.highlights])


class PublishSubscribeEqualsMatch(unittest.TestCase):
    """1. Mentions delivered by sitod are exactly those `sito match` finds."""

    def test_mentions_equal_sito_match(self) -> None:
        assert WORKDIR is not None
        posts_file = WORKDIR / "posts.jsonl"
        subprocess.run([sys.executable, str(REPO / "ops/sample/make_firehose.py"), "--count", "600", "--seed", "15",
                        "--out", str(posts_file)], check=True)
        topics_file = WORKDIR / "acme-topics.json"
        topics_file.write_text(json.dumps({"tenant": "acme", "topics": ACME_TOPICS}, ensure_ascii=False))

        # The engine's answer, from the CLI.
        out = subprocess.run([ARGS.sito, "match", "--topics", str(topics_file), "--posts", str(posts_file)],
                             check=True, capture_output=True, text=True).stdout
        expected = collections.Counter()
        for line in out.splitlines():
            j = json.loads(line)
            expected[key(j["post_id"], j["topic"], j["tags"], j["sentiment"], j["sentiment_source"], j["priority"],
                         j["processed"], j["wom"],
                         [(h["field"], h["start"], h["end"], h["term"]) for h in j["highlights"]])] += 1
        self.assertGreater(len(expected), 50, "the firehose should give mentions")
        self.assertTrue(any(k[3] == "negative" for k in expected), "and negative ones")
        self.assertTrue(any("Эскалация/Поддержка" in k[2] for k in expected), "and rules that tag")

        with connect("acme", "admin") as admin:
            stored = admin.upsert_topics(ACME_TOPICS)
            self.assertEqual(sorted(t.id for t in stored.topics), sorted(t["id"] for t in ACME_TOPICS))
            listed = {t.id: t for t in admin.list_topics()}
            self.assertEqual(listed["brand"].to_json(), sito_client.Topic.from_json(ACME_TOPICS[0]).to_json(),
                             "a topic comes back as it was sent")

        posts = [json.loads(line) for line in posts_file.read_text().splitlines()]
        with connect("acme", "producer") as producer:
            ack = producer.publish(posts, batch_size=128)  # five batches
        self.assertEqual(ack.accepted, len(posts))
        self.assertEqual(ack.rejected, [])

        got = collections.Counter()
        with sito_client.subscribe("equals-match", "127.0.0.1", SITOD.port, TOKENS["acme"]["subscriber"],
                                   start=0, credit=100) as sub:
            for m in sub.mentions(idle_timeout=15):
                got[mention_key(m)] += 1
                self.assertEqual(m.tenant, "acme")
                if sum(got.values()) == sum(expected.values()):
                    break
            # Nothing more comes.
            extra = list(sub.mentions(idle_timeout=1.5))
        self.assertEqual(extra, [])
        missing, unexpected = expected - got, got - expected
        self.assertFalse(missing or unexpected,
                         "missing %d, unexpected %d; e.g. %s / %s" % (sum(missing.values()), sum(unexpected.values()),
                                                                      list(missing)[:2], list(unexpected)[:2]))

        # Published again: acknowledged as duplicates, no new mentions.
        with connect("acme", "producer") as producer:
            again = producer.publish(posts[:10])
        self.assertEqual((again.accepted, again.duplicates), (0, 10))


class ResumeWithoutGapsOrDuplicates(unittest.TestCase):
    """2. A subscriber that commits part way and reconnects from the
    committed offset gets the rest, and nothing twice."""

    N = 90

    @classmethod
    def setUpClass(cls) -> None:
        with connect("gamma", "admin") as admin:
            admin.upsert_topics([{"id": "resume", "query": "zqxresume"}])

    def publish(self, prefix: str) -> List[str]:
        ids = ["%s-%d" % (prefix, i) for i in range(self.N)]
        with connect("gamma", "producer") as p:
            ack = p.publish([{"id": i, "source": "test", "text": "zqxresume пост номер %s" % i} for i in ids],
                            batch_size=30)
        self.assertEqual(ack.accepted, self.N)
        return ids

    def test_commit_close_and_resume_from_committed(self) -> None:
        port, token = SITOD.port, TOKENS["gamma"]["subscriber"]
        first: List[sito_client.Mention] = []
        # No commit yet: "committed" starts at the latest offset, before the posts.
        with sito_client.subscribe("resumer", "127.0.0.1", port, token, topics=["resume"], start="committed",
                                   credit=7) as sub:
            ids = self.publish("a")
            for m in sub.mentions(idle_timeout=15):
                first.append(m)
                if len(first) == 40:
                    break
            sub.commit()  # the 40th
            committed = sub.committed
            # Ten more are handed out, not committed: they come again.
            first += list(sub.mentions(idle_timeout=15, limit=10))
        self.assertEqual(committed, first[39].offset)

        # The server stores commits in the background: a subscribe that finds
        # the older one (none) starts at the latest offset and sees nothing.
        rest: List[sito_client.Mention] = []
        deadline = time.monotonic() + 20
        while not rest and time.monotonic() < deadline:
            with sito_client.subscribe("resumer", "127.0.0.1", port, token, topics=["resume"],
                                       start="committed") as sub:
                rest = list(sub.mentions(idle_timeout=2))
        self.assertTrue(rest, "nothing after the committed offset")
        self.assertEqual(rest[0].offset, committed + 1, "resumes right after the committed offset")
        offsets = [m.offset for m in first[:40] + rest]
        self.assertEqual(offsets, list(range(offsets[0], offsets[0] + self.N)), "gap-free, in order, no duplicates")
        self.assertEqual([m.post_id for m in first[:40] + rest], ids)
        self.assertEqual([m.post_id for m in first[40:]], ids[40:50], "uncommitted ones come again")

    def test_a_dropped_connection_resumes_after_the_last_mention(self) -> None:
        port, token = SITOD.port, TOKENS["gamma"]["subscriber"]
        got: List[sito_client.Mention] = []
        with sito_client.subscribe("dropper", "127.0.0.1", port, token, topics=["resume"], start="latest",
                                   credit=5) as sub:
            ids = self.publish("b")
            drops = 0
            while len(got) < self.N:
                batch = sub.next_batch(timeout=15)
                self.assertTrue(batch, "no mention within 15 s")
                self.assertLessEqual(len(batch), 5, "the server sends no more than the credit")
                got += batch
                if len(got) // 25 > drops:
                    drops += 1
                    sub.connection._sock.close()  # the network drops it; the next call reconnects
            self.assertEqual(sub.connection.reconnects, 3)
        self.assertEqual([m.post_id for m in got], ids)
        self.assertEqual([m.offset for m in got], list(range(got[0].offset, got[0].offset + self.N)))


class ErrorsAreExceptions(unittest.TestCase):
    """3. Server errors raise SitoError subclasses with the code, message and position."""

    def test_validate_reports_the_position(self) -> None:
        broken = "flowwow NEAR/5 (доставка, курьер"
        with connect("beta", "admin") as c:
            r = c.validate(broken)
            self.assertFalse(r.ok)
            self.assertTrue(r.diagnostics and r.diagnostics[0].is_error)
            with self.assertRaises(sito_client.QueryError) as cm:
                c.validate(broken, strict=True)
            ok = c.validate("flowwow NEAR/5 (доставка, курьер)", strict=True)
        e = cm.exception
        self.assertIsInstance(e, sito_client.SitoError)
        self.assertEqual(e.code, "InvalidArgument")
        self.assertEqual(e.position, r.diagnostics[0].position)
        self.assertEqual(e.position.line, 1)
        self.assertGreater(e.position.column, 1)
        self.assertEqual(broken.encode()[e.position.offset:e.position.offset + 1], b"(", "the unclosed '('")
        self.assertIn("(", e.message + e.hint + " ".join(d.hint for d in e.diagnostics))
        self.assertTrue(ok.ok and ok.canonical)
        # The CLI puts its caret at the same column.
        cli = subprocess.run([ARGS.sito, "validate", broken], capture_output=True, text=True).stdout
        caret = next(line for line in cli.splitlines() if line.strip() == "^")
        self.assertEqual(caret.index("^") + 1, e.position.column)

    def test_upsert_of_a_broken_topic_raises_with_topic_and_position(self) -> None:
        with connect("beta", "admin") as c:
            with self.assertRaises(sito_client.QueryError) as cm:
                c.upsert_topics([{"id": "fine", "query": "flowwow"},
                                 {"id": "broken", "query": "flowwow AND (доставка OR"}])
            e = cm.exception
            self.assertEqual(e.code, "InvalidArgument")
            self.assertEqual(e.topic, "broken")
            self.assertIsNotNone(e.position)
            self.assertEqual(e.position.line, 1)
            self.assertIn("broken", str(e))
            self.assertEqual([t.id for t in e.result.topics], ["fine"], "the good topic is stored")
            self.assertIn("fine", [t.id for t in c.list_topics()])
            self.assertNotIn("broken", [t.id for t in c.list_topics()])
            lenient = c.upsert_topics([{"id": "broken", "query": "(("}], strict=False)
            self.assertEqual(lenient.topics, [])
            self.assertEqual(lenient.errors[0].topic, "broken")

    def test_wrong_token_and_role(self) -> None:
        with self.assertRaises(sito_client.UnauthenticatedError) as cm:
            sito_client.connect("127.0.0.1", SITOD.port, "no-such-token", "admin")
        self.assertEqual(cm.exception.code, "Unauthenticated")
        self.assertIn("unknown token", cm.exception.message)
        with self.assertRaises(sito_client.PermissionDeniedError) as cm:
            sito_client.connect("127.0.0.1", SITOD.port, TOKENS["beta"]["subscriber"], "admin")
        self.assertEqual(cm.exception.code, "PermissionDenied")

    def test_not_found_and_permission(self) -> None:
        with connect("beta", "admin") as c:
            with self.assertRaises(sito_client.NotFoundError) as cm:
                c.explain("no-such-topic", {"id": "1", "text": "x"})
            self.assertEqual(cm.exception.code, "NotFound")
            self.assertEqual(cm.exception.in_reply_to, "Explain")
            c.ping()  # the connection goes on after an error
        with connect("beta", "producer") as p:
            with self.assertRaises(sito_client.PermissionDeniedError):
                p.list_topics()
        with self.assertRaises(sito_client.ConnectionLostError) as cm:
            sito_client.connect("127.0.0.1", 1, "x", "admin")
        self.assertEqual(cm.exception.code, "Unavailable")


class AdminCalls(unittest.TestCase):
    """4. Topics, explain, stats (with periods), backfill, delete."""

    def test_admin_calls(self) -> None:
        with connect("beta", "admin") as c:
            r = c.upsert_topics([sito_client.Topic(
                id="shop", name="Shop", query="магазин OR shop",
                tags=[sito_client.TagRule("Цена", "дорого OR цена")],
                rules=[sito_client.Rule(name="pricey", when='tag:"Цена"', sentiment="negative", priority=70)])])
            self.assertEqual([t.id for t in r.topics], ["shop"])
            self.assertGreater(r.snapshot_version, 0)
            shop = next(t for t in c.list_topics() if t.id == "shop")
            self.assertEqual(shop.tags, [sito_client.TagRule("Цена", "дорого OR цена")])
            self.assertEqual(shop.rules[0].priority, 70)

            e = c.explain("shop", {"id": "x1", "text": "Этот магазин слишком дорого берёт"})
            self.assertTrue(e.matched)
            self.assertIn("магазин", e.text)
            self.assertFalse(c.explain("shop", sito_client.Post(id="x2", text="ничего общего")).matched)

            with connect("beta", "producer") as p:
                p.publish([{"id": "s%d" % i, "source": "test", "published_at": int(time.time()),
                            "text": "магазин номер %d, цена кусается" % i, "author": {"id": "u%d" % (i % 3)}}
                           for i in range(12)])
            stats = wait_until(lambda: (lambda s: s if s.counters.get("mentions_committed", 0) >= 12 else None)(
                c.stats()), what="mentions_committed")
            self.assertGreaterEqual(stats.counters["posts_ingested"], 12)
            agg = wait_until(lambda: next((a for a in c.stats().aggregates if a.topic == "shop" and a.tag == ""
                                           and a.hour.negative >= 12), None), what="the topic's aggregate")
            self.assertEqual(agg.hour.negative, 12)
            # Period rows come from the rollups, written within a few seconds.
            rows = wait_until(lambda: [p for p in c.stats(topic="shop", from_="-1d", by="all").periods
                                       if p.mentions >= 12], what="a period row")
            self.assertEqual((rows[0].topic, rows[0].mentions, rows[0].authors, rows[0].wom), ("shop", 12, 3, 12))
            self.assertEqual((rows[0].negative, rows[0].neutral, rows[0].positive), (12, 0, 0))
            self.assertEqual(c.stats(topic="shop", from_="-1d", by="all").time_zone, "UTC")

            # A new topic over the posts already there.
            c.upsert_topics([{"id": "numbers", "query": "номер"}])
            bf = c.backfill("numbers")
            self.assertEqual(bf.mentions, 12)
            self.assertGreaterEqual(bf.posts_scanned, 12)

            d = c.delete_topics(["numbers", "never-was"])
            self.assertEqual([x.topic for x in d.diagnostics], ["never-was"])
            self.assertNotIn("numbers", [t.id for t in c.list_topics()])
            with self.assertRaises(sito_client.NotFoundError):
                c.delete_topics(["never-was"], strict=True)


class Alerts(unittest.TestCase):
    """Spike alerts arrive next to the mentions (AlertBatch)."""

    def test_alerts_and_mentions_in_one_stream(self) -> None:
        with connect("delta", "admin") as c:
            c.upsert_topics([{"id": "spike", "query": "zqxspike"}])
        with sito_client.subscribe("spikes", "127.0.0.1", SITOD.port, TOKENS["delta"]["subscriber"],
                                   topics=["spike"], start="latest", alerts=True) as sub:
            with connect("delta", "producer") as p:
                p.publish([{"id": str(i), "text": "zqxspike %d" % i} for i in range(20)])
            mentions, alerts = 0, []
            for ev in sub.events(idle_timeout=10):
                if isinstance(ev, sito_client.Alert):
                    alerts.append(ev)
                else:
                    mentions += 1
                if mentions == 20 and alerts:
                    break
        self.assertEqual(mentions, 20)
        self.assertEqual(alerts[0].topic, "spike")
        self.assertGreaterEqual(alerts[0].count, 5)


class NearDuplicates(unittest.TestCase):
    """A giveaway wave: duplicate_of on mentions, first-posts-only, a campaign alert."""

    WAVE = ["Розыгрыш iPhone 15! Сделай репост и подпишись на наш канал, итоги в пятницу",
            "Репост: РОЗЫГРЫШ iPhone 15!!! сделай репост и подпишись на наш канал, итоги в пятницу 🔥",
            "Розыгрыш iPhone 15! Сделай репост и подпишись на наш канал, итоги в субботу",
            "розыгрыш iphone 15 - сделай репост и подпишись на наш канал! итоги в пятницу 🎁",
            "РОЗЫГРЫШ IPHONE 15. Сделай репост и подпишись на наш канал, итоги в пятницу. Удачи"]

    def test_wave(self) -> None:
        with connect("delta", "admin") as c:
            c.upsert_topics([{"id": "wave", "query": "розыгрыш"}])
        token = TOKENS["delta"]["subscriber"]
        with sito_client.subscribe("wave-all", "127.0.0.1", SITOD.port, token, topics=["wave"],
                                   start="latest") as every, \
                sito_client.subscribe("wave-firsts", "127.0.0.1", SITOD.port, token, topics=["wave"],
                                      start="latest", alerts=True, first_posts_only=True) as firsts:
            with connect("delta", "producer") as p:
                p.publish([{"id": "w%d" % i, "source": "vk", "author": {"id": "a%d" % i}, "text": t}
                           for i, t in enumerate(self.WAVE)])
            got = {m.post_id: m for m in every.mentions(idle_timeout=3, limit=5)}
            self.assertEqual(sorted(got), ["w0", "w1", "w2", "w3", "w4"])
            self.assertEqual(got["w0"].duplicate_of, "")
            self.assertEqual((got["w4"].duplicate_of, got["w4"].duplicates), ("w0", 5))
            self.assertEqual(got["w4"].to_json()["duplicate_of"], "w0")
            mentions, campaigns = [], []
            for ev in firsts.events(idle_timeout=3):
                if isinstance(ev, sito_client.Alert):
                    campaigns += [ev] if ev.kind == "campaign" else []
                else:
                    mentions.append(ev.post_id)
        self.assertEqual(mentions, ["w0"], "first posts only")
        self.assertEqual([(a.topic, a.first_post, a.authors) for a in campaigns], [("wave", "w0", 5)])


class Tls(unittest.TestCase):
    """TLS with a CA file: the certificate is verified and must name the host."""

    def test_tls_with_a_ca_file(self) -> None:
        if not shutil.which("openssl"):
            self.skipTest("no openssl to make a certificate")
        assert WORKDIR is not None
        d = WORKDIR / "tls"
        d.mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                        "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True,
                       capture_output=True)
        server = Sitod(d, ("tls: {cert: %s, key: %s}" % (d / "cert.pem", d / "key.pem"),))
        server.start()
        try:
            token = TOKENS["beta"]["admin"]
            with sito_client.connect("127.0.0.1", server.port, token, "admin", ca_file=str(d / "cert.pem")) as c:
                self.assertEqual(c.tenant, "beta")
                self.assertTrue(c.validate("a OR b").ok)
            with sito_client.connect("localhost", server.port, token, "admin", ca_file=str(d / "cert.pem")) as c:
                c.ping()
            with self.assertRaises(sito_client.ConnectionLostError) as cm:  # not in the system's trust store
                sito_client.connect("127.0.0.1", server.port, token, "admin", tls=True)
            self.assertIn("TLS handshake", cm.exception.message)
            with self.assertRaises(sito_client.ConnectionLostError):  # plain TCP to a TLS listener
                sito_client.connect("127.0.0.1", server.port, token, "admin", timeout=3)
        finally:
            server.stop()


class ReadmeBot(unittest.TestCase):
    """The README's alerting bot runs and prints the negative mentions."""

    def test_readme_bot(self) -> None:
        readme = (REPO / "README.md").read_text()
        section = readme.split("## Python client", 1)
        if len(section) < 2:
            self.skipTest("README has no Python client section")
        code = re.search(r"```python\n(.*?)```", section[1], re.S)
        self.assertIsNotNone(code)
        with connect("beta", "admin") as c:
            c.upsert_topics([{"id": "brand", "query": "flowwow",
                              "rules": [{"name": "angry", "when": "ужас*", "then": {"sentiment": "negative"}}]}])
        env = dict(os.environ, SITO_SERVER="127.0.0.1:%d" % SITOD.port, SITO_TOKEN=TOKENS["beta"]["subscriber"],
                   PYTHONPATH=os.pathsep.join([str(REPO / "server/python"), ARGS.wire]), PYTHONDONTWRITEBYTECODE="1")
        bot = subprocess.Popen([sys.executable, "-c", code.group(1)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        lines: List[str] = []
        try:
            # The bot subscribes from the latest offset: publish until it has.
            deadline = time.monotonic() + 30
            n = 0
            with connect("beta", "producer") as p:
                while not lines and time.monotonic() < deadline:
                    n += 1
                    p.publish([{"id": "calm%d" % n, "text": "Flowwow, спасибо, всё отлично"},
                               {"id": "bot%d" % n, "text": "Flowwow, это ужас: курьер опоздал"}])
                    if select.select([bot.stdout], [], [], 1.0)[0]:
                        lines.append(bot.stdout.readline())
        finally:
            bot.terminate()
            _, err = bot.communicate(timeout=10)
        line = lines[0] if lines else ""
        self.assertIn("ужас", line, err)
        self.assertRegex(line, r"bot\d+")
        self.assertNotIn("calm", line)


def main() -> None:
    global sito_client
    parser = argparse.ArgumentParser()
    parser.add_argument("--sitod", default=ARGS.sitod)
    parser.add_argument("--sito", default=ARGS.sito)
    parser.add_argument("--wire", default=ARGS.wire)
    args, rest = parser.parse_known_args()
    ARGS.__dict__.update(vars(args))
    os.environ["SITO_WIRE_PYTHON"] = ARGS.wire
    sys.path.insert(0, str(REPO / "server/python"))
    import sito_client as imported
    sito_client = imported
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


sito_client: Any = None

if __name__ == "__main__":
    main()
