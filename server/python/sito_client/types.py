"""The values sito_client sends and returns, and their wire form.

Posts and topics also read and write the JSON forms of the rest of sito:
`Post.from_json` takes a line of a posts file (the keys `sito match` and
`sito publish` read), `Topic.from_json` one entry of a topics file (`tags:`
as `{path, query}`, `rules:` as `{name, when, then: {...}}`, `nps:`).
Mentions print as `sito subscribe` prints them (`Mention.to_json`).

Plain dataclasses: not thread-safe, safe to share once built.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Union

from . import _wire
from ._wire import W, text, texts, tables
from .errors import Position

SENTIMENTS = ("neutral", "negative", "positive")  # by wire value (schemas/sito.fbs Sentiment)

_POST_KEYS = {"id", "source", "source_type", "channel", "place", "url", "lang", "title", "text", "image_text",
              "parent_id", "published_at", "reach", "engagement", "is_repost", "images", "image_count", "author"}
_AUTHOR_KEYS = {"id", "handle", "name", "gender", "country", "city", "verified", "followers", "age"}


# ---- posts --------------------------------------------------------------


@dataclass
class Author:
    id: str = ""
    handle: str = ""
    name: str = ""
    followers: Optional[int] = None  #: None: unknown
    verified: bool = False
    gender: str = ""
    age: Optional[int] = None        #: None: unknown
    country: str = ""
    city: str = ""

    def is_empty(self) -> bool:
        return self == Author()


@dataclass
class Image:
    data: bytes = b""  #: PNG, JPEG or WebP bytes; empty: a placeholder (the post had an image, not sent)
    mime: str = ""


@dataclass
class Post:
    """A post as producers send it (schemas/sito.fbs `Post`)."""

    id: str = ""
    text: str = ""
    title: str = ""
    source: str = ""
    source_type: str = ""
    channel: str = ""
    place: str = ""
    url: str = ""
    author: Author = field(default_factory=Author)
    published_at: int = 0  #: Unix seconds
    lang: str = ""
    images: List[Image] = field(default_factory=list)
    image_text: str = ""
    parent_id: str = ""
    is_repost: bool = False
    reach: int = 0
    engagement: int = 0
    unknown_fields: int = 0  #: fields of the JSON form sito does not know (counted by sitod)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Post":
        """A post from its JSON form (a parsed line of a posts file), as `sito publish` reads it:
        numbers are accepted for string fields, `images` are base64 strings or `{data, mime}`,
        `image_count` stands for images that are not sent, unknown keys are counted."""

        def s(o: Mapping[str, Any], k: str) -> str:
            v = o.get(k)
            if v is None:
                return ""
            if isinstance(v, bool) or not isinstance(v, (str, int)):
                raise ValueError("field '%s' must be a string" % k)
            return str(v)

        def i(o: Mapping[str, Any], k: str) -> Optional[int]:
            v = o.get(k)
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError("field '%s' must be an integer" % k)
            return v

        def b(o: Mapping[str, Any], k: str) -> bool:
            v = o.get(k)
            if v is None:
                return False
            if not isinstance(v, bool):
                raise ValueError("field '%s' must be true or false" % k)
            return v

        p = cls(id=s(obj, "id"), source=s(obj, "source"), source_type=s(obj, "source_type"),
                channel=s(obj, "channel"), place=s(obj, "place"), url=s(obj, "url"), lang=s(obj, "lang"),
                title=s(obj, "title"), text=s(obj, "text"), image_text=s(obj, "image_text"),
                parent_id=s(obj, "parent_id"), published_at=i(obj, "published_at") or 0,
                reach=i(obj, "reach") or 0, engagement=i(obj, "engagement") or 0, is_repost=b(obj, "is_repost"))
        p.unknown_fields = sum(1 for k in obj if k not in _POST_KEYS)
        images = obj.get("images")
        if images is not None:
            if not isinstance(images, list):
                raise ValueError("field 'images' must be an array")
            for n, e in enumerate(images):
                data, mime = (e.get("data"), e.get("mime") or "") if isinstance(e, Mapping) else (e, "")
                if isinstance(data, (bytes, bytearray)):
                    p.images.append(Image(bytes(data), mime))
                    continue
                if not isinstance(data, str):
                    raise ValueError("field 'images[%d]' must be a base64 string or {data, mime}" % n)
                try:
                    raw = "".join(data.split()).replace("-", "+").replace("_", "/")
                    p.images.append(Image(base64.b64decode(raw + "=" * (-len(raw) % 4)), mime))
                except (binascii.Error, ValueError) as e:
                    raise ValueError("field 'images[%d]' is not base64" % n) from e
        else:
            count = i(obj, "image_count") or 0
            if count < 0:
                raise ValueError("field 'image_count' must not be negative")
            p.images = [Image() for _ in range(count)]
        a = obj.get("author")
        if a is not None:
            if not isinstance(a, Mapping):
                raise ValueError("field 'author' must be an object")
            p.unknown_fields += sum(1 for k in a if k not in _AUTHOR_KEYS)
            p.author = Author(id=s(a, "id"), handle=s(a, "handle"), name=s(a, "name"), gender=s(a, "gender"),
                              country=s(a, "country"), city=s(a, "city"), verified=b(a, "verified"),
                              followers=i(a, "followers"), age=i(a, "age"))
        return p

    def to_json(self) -> Dict[str, Any]:
        """The JSON form (empty fields left out; images as `image_count`), as `sito subscribe` prints it."""
        out: Dict[str, Any] = {"id": self.id}
        for k in ("source", "source_type", "channel", "place", "url", "lang", "title", "text", "image_text",
                  "parent_id"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        if self.published_at:
            out["published_at"] = self.published_at
        if self.is_repost:
            out["is_repost"] = True
        if self.images:
            out["image_count"] = len(self.images)
        if self.reach:
            out["reach"] = self.reach
        if self.engagement:
            out["engagement"] = self.engagement
        a: Dict[str, Any] = {k: getattr(self.author, k) for k in ("id", "handle", "name", "gender", "country", "city")
                             if getattr(self.author, k)}
        if self.author.followers is not None:
            a["followers"] = self.author.followers
        if self.author.age is not None:
            a["age"] = self.author.age
        if self.author.verified:
            a["verified"] = True
        if a:
            out["author"] = a
        return out

    def _to_wire(self, b: Any, with_image_bytes: bool = True) -> int:
        S = _wire.string
        ids = [S(b, self.id), S(b, self.source), S(b, self.source_type), S(b, self.channel), S(b, self.place),
               S(b, self.url)]
        author = 0
        if not self.author.is_empty():
            a = self.author
            parts = [S(b, a.id), S(b, a.handle), S(b, a.name), S(b, a.gender), S(b, a.country), S(b, a.city)]
            M = W.Author
            M.AuthorStart(b)
            M.AuthorAddId(b, parts[0])
            M.AuthorAddHandle(b, parts[1])
            M.AuthorAddName(b, parts[2])
            M.AuthorAddFollowers(b, -1 if a.followers is None else a.followers)
            M.AuthorAddVerified(b, a.verified)
            M.AuthorAddGender(b, parts[3])
            M.AuthorAddAge(b, -1 if a.age is None else a.age)
            M.AuthorAddCountry(b, parts[4])
            M.AuthorAddCity(b, parts[5])
            author = M.AuthorEnd(b)
        lang, title, body = S(b, self.lang), S(b, self.title), S(b, self.text)
        images = 0
        if self.images:
            refs = []
            for img in self.images:
                data = b.CreateByteVector(img.data) if with_image_bytes and img.data else 0
                mime = S(b, img.mime) if with_image_bytes else 0
                W.Image.ImageStart(b)
                if data:
                    W.Image.ImageAddData(b, data)
                if mime:
                    W.Image.ImageAddMime(b, mime)
                refs.append(W.Image.ImageEnd(b))
            images = _wire.vector_of_offsets(b, refs)
        image_text, parent_id = S(b, self.image_text), S(b, self.parent_id)
        M = W.Post
        M.PostStart(b)
        M.PostAddId(b, ids[0])
        M.PostAddSource(b, ids[1])
        M.PostAddSourceType(b, ids[2])
        M.PostAddChannel(b, ids[3])
        M.PostAddPlace(b, ids[4])
        M.PostAddUrl(b, ids[5])
        if author:
            M.PostAddAuthor(b, author)
        M.PostAddPublishedAt(b, self.published_at)
        M.PostAddLang(b, lang)
        M.PostAddTitle(b, title)
        M.PostAddText(b, body)
        if images:
            M.PostAddImages(b, images)
        M.PostAddImageText(b, image_text)
        M.PostAddParentId(b, parent_id)
        M.PostAddIsRepost(b, self.is_repost)
        M.PostAddReach(b, self.reach)
        M.PostAddEngagement(b, self.engagement)
        M.PostAddUnknownFields(b, self.unknown_fields)
        return M.PostEnd(b)

    @classmethod
    def _from_wire(cls, w: Any) -> "Post":
        p = cls(id=text(w.Id()), source=text(w.Source()), source_type=text(w.SourceType()),
                channel=text(w.Channel()), place=text(w.Place()), url=text(w.Url()), published_at=w.PublishedAt(),
                lang=text(w.Lang()), title=text(w.Title()), text=text(w.Text()), image_text=text(w.ImageText()),
                parent_id=text(w.ParentId()), is_repost=bool(w.IsRepost()), reach=w.Reach(),
                engagement=w.Engagement(), unknown_fields=w.UnknownFields())
        a = w.Author()
        if a is not None:
            p.author = Author(id=text(a.Id()), handle=text(a.Handle()), name=text(a.Name()),
                              followers=None if a.Followers() == -1 else a.Followers(), verified=bool(a.Verified()),
                              gender=text(a.Gender()), age=None if a.Age() == -1 else a.Age(),
                              country=text(a.Country()), city=text(a.City()))
        for img in tables(w, "Images"):
            p.images.append(Image(_wire.byte_vector(img, 4), text(img.Mime())))
        return p


PostLike = Union[Post, Mapping[str, Any]]


def as_post(p: PostLike) -> Post:
    return p if isinstance(p, Post) else Post.from_json(p)


# ---- topics -------------------------------------------------------------


@dataclass
class TagRule:
    path: str             #: e.g. "Тачпоинт/Сервис/Доставка"
    query: str = ""       #: the condition: terms and/or metadata filters (may be empty with examples)
    examples: List[str] = field(default_factory=list)          #: a semantic tag's phrases (README "Semantic tags")
    counter_examples: List[str] = field(default_factory=list)  #: close phrases that should not get it
    min_similarity: Optional[float] = None                     #: None: the server's default

    @classmethod
    def from_json(cls, g: Mapping[str, Any]) -> "TagRule":
        return cls(str(g["path"]), g.get("query") or "", list(g.get("examples") or []),
                   list(g.get("counter_examples") or []), g.get("min_similarity"))


@dataclass
class Rule:
    """One rule of a topic's ordered list: when → then (see sito/model/topic.hpp)."""

    name: str = ""
    when: str = ""                    #: query over the post and the mention; empty: always
    add_tags: List[str] = field(default_factory=list)
    sentiment: str = ""               #: "negative", "neutral", "positive" or empty
    priority: Optional[float] = None  #: 0..100; None: leave the computed priority
    processed: bool = False
    drop: bool = False


@dataclass
class Topic:
    """A topic (schemas/sito.fbs `Topic`); the tenant is the connection's."""

    id: str
    query: str = ""
    name: str = ""
    channels: List[str] = field(default_factory=list)
    own_accounts: List[str] = field(default_factory=list)
    tags: List[TagRule] = field(default_factory=list)
    rules: List[Rule] = field(default_factory=list)
    nps_promoters: str = ""
    nps_passives: str = ""
    nps_detractors: str = ""

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Topic":
        """A topic from one entry of a topics file's `topics:` list (YAML or JSON, parsed)."""
        t = cls(id=str(obj["id"]), name=str(obj.get("name") or obj["id"]), query=obj.get("query") or "",
                channels=list(obj.get("channels") or []), own_accounts=list(obj.get("own_accounts") or []),
                tags=[TagRule.from_json(g) for g in obj.get("tags") or []])
        for r in obj.get("rules") or []:
            then = r.get("then") or {}
            add = then.get("add_tags", then.get("add_tag", []))
            t.rules.append(Rule(name=r.get("name", ""), when=r.get("when") or "",
                                add_tags=[add] if isinstance(add, str) else list(add),
                                sentiment=then.get("sentiment", ""), priority=then.get("priority"),
                                processed=bool(then.get("processed", False)), drop=bool(then.get("drop", False))))
        nps = obj.get("nps") or {}
        t.nps_promoters, t.nps_passives, t.nps_detractors = (nps.get("promoters", ""), nps.get("passives", ""),
                                                             nps.get("detractors", ""))
        return t

    def to_json(self) -> Dict[str, Any]:
        """The topics-file form (what `from_json` reads)."""
        out: Dict[str, Any] = {"id": self.id, "name": self.name or self.id, "query": self.query}
        if self.channels:
            out["channels"] = list(self.channels)
        if self.own_accounts:
            out["own_accounts"] = list(self.own_accounts)
        if self.tags:
            out["tags"] = [{"path": g.path, "query": g.query} for g in self.tags]
        if self.rules:
            rules = []
            for r in self.rules:
                then: Dict[str, Any] = {}
                if r.add_tags:
                    then["add_tags"] = list(r.add_tags)
                if r.sentiment:
                    then["sentiment"] = r.sentiment
                if r.priority is not None:
                    then["priority"] = r.priority
                if r.processed:
                    then["processed"] = True
                if r.drop:
                    then["drop"] = True
                rule: Dict[str, Any] = {"name": r.name, "then": then}
                if r.when:
                    rule["when"] = r.when
                rules.append(rule)
            out["rules"] = rules
        nps = {k: v for k, v in (("promoters", self.nps_promoters), ("passives", self.nps_passives),
                                 ("detractors", self.nps_detractors)) if v}
        if nps:
            out["nps"] = nps
        return out

    def _to_wire(self, b: Any) -> int:
        S = _wire.string
        id_, name, query = S(b, self.id), S(b, self.name), S(b, self.query)
        channels, own = _wire.strings(b, self.channels), _wire.strings(b, self.own_accounts)
        tags = 0
        if self.tags:
            refs = []
            for g in self.tags:
                path, q = S(b, g.path), S(b, g.query)
                ex, cex = _wire.strings(b, g.examples), _wire.strings(b, g.counter_examples)
                W.TagRule.TagRuleStart(b)
                W.TagRule.TagRuleAddPath(b, path)
                W.TagRule.TagRuleAddQuery(b, q)
                if ex:
                    W.TagRule.TagRuleAddExamples(b, ex)
                if cex:
                    W.TagRule.TagRuleAddCounterExamples(b, cex)
                if g.min_similarity is not None:
                    W.TagRule.TagRuleAddMinSimilarity(b, float(g.min_similarity))
                refs.append(W.TagRule.TagRuleEnd(b))
            tags = _wire.vector_of_offsets(b, refs)
        rules = 0
        if self.rules:
            refs = []
            for r in self.rules:
                rn, rw, ra, rs = S(b, r.name), S(b, r.when), _wire.strings(b, r.add_tags), S(b, r.sentiment)
                M = W.Rule
                M.RuleStart(b)
                M.RuleAddName(b, rn)
                M.RuleAddWhen(b, rw)
                M.RuleAddAddTags(b, ra)
                M.RuleAddSentiment(b, rs)
                M.RuleAddPriority(b, -1.0 if r.priority is None else float(r.priority))
                M.RuleAddProcessed(b, r.processed)
                M.RuleAddDrop(b, r.drop)
                refs.append(M.RuleEnd(b))
            rules = _wire.vector_of_offsets(b, refs)
        pro, pas, det = S(b, self.nps_promoters), S(b, self.nps_passives), S(b, self.nps_detractors)
        M = W.Topic
        M.TopicStart(b)
        M.TopicAddId(b, id_)
        M.TopicAddName(b, name)
        M.TopicAddQuery(b, query)
        M.TopicAddChannels(b, channels)
        M.TopicAddOwnAccounts(b, own)
        M.TopicAddTags(b, tags)
        M.TopicAddRules(b, rules)
        M.TopicAddNpsPromoters(b, pro)
        M.TopicAddNpsPassives(b, pas)
        M.TopicAddNpsDetractors(b, det)
        return M.TopicEnd(b)

    @classmethod
    def _from_wire(cls, w: Any) -> "Topic":
        t = cls(id=text(w.Id()), name=text(w.Name()), query=text(w.Query()), channels=texts(w, "Channels"),
                own_accounts=texts(w, "OwnAccounts"),
                tags=[TagRule(text(g.Path()), text(g.Query()), texts(g, "Examples"), texts(g, "CounterExamples"),
                              g.MinSimilarity() if g.MinSimilarity() >= 0 else None) for g in tables(w, "Tags")],
                nps_promoters=text(w.NpsPromoters()), nps_passives=text(w.NpsPassives()),
                nps_detractors=text(w.NpsDetractors()))
        for r in tables(w, "Rules"):
            t.rules.append(Rule(name=text(r.Name()), when=text(r.When()), add_tags=texts(r, "AddTags"),
                                sentiment=text(r.Sentiment()), priority=None if r.Priority() < 0 else r.Priority(),
                                processed=bool(r.Processed()), drop=bool(r.Drop())))
        return t


TopicLike = Union[Topic, Mapping[str, Any]]


def as_topic(t: TopicLike) -> Topic:
    return t if isinstance(t, Topic) else Topic.from_json(t)


@dataclass
class Diagnostic:
    """An error or warning about a query, at its position."""

    topic: str
    severity: str  #: "error" or "warning"
    message: str
    hint: str
    offset: int
    line: int
    column: int

    @property
    def position(self) -> Position:
        return Position(self.offset, self.line, self.column)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def _from_wire(cls, d: Any) -> "Diagnostic":
        return cls(text(d.Topic()), text(d.Severity()), text(d.Message()), text(d.Hint()), d.Offset(), d.Line(),
                   d.Column())


@dataclass
class TopicsResult:
    topics: List[Topic]             #: list: every topic of the tenant; upsert: the topics stored; delete: none
    diagnostics: List[Diagnostic]   #: errors of topics that were not stored, warnings, ids not found on delete
    snapshot_version: int           #: the ruleset version that contains the change

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


@dataclass
class ValidateResult:
    ok: bool
    canonical: str                  #: the query as the parser understood it (when ok)
    diagnostics: List[Diagnostic]


@dataclass
class ExplainResult:
    matched: bool
    text: str                       #: the terms that hit where, and how the query tree evaluated


@dataclass
class BackfillResult:
    posts_scanned: int
    mentions: int


# ---- publishing ---------------------------------------------------------


@dataclass
class RejectedPost:
    index: int     #: position in the list given to publish()
    post_id: str
    reason: str


@dataclass
class PublishAck:
    """What the server stored (durably) of a publish() call."""

    accepted: int = 0             #: posts stored now (new posts and edits)
    first_offset: int = 0         #: post-log offset of the first stored post (of the first batch that stored one)
    rejected: List[RejectedPost] = field(default_factory=list)
    duplicates: int = 0           #: posts published before with the same content: acknowledged, not matched again
    duplicate_ids: List[str] = field(default_factory=list)
    edits: int = 0                #: stored posts that replace an earlier version


# ---- subscribing --------------------------------------------------------


@dataclass
class Highlight:
    field: str   #: title, text or image
    start: int   #: byte offsets into the post's field (UTF-8)
    end: int
    term: str    #: the query term that hit


@dataclass
class Mention:
    """A post a topic matched, as delivered to a subscription."""

    offset: int                 #: mention-log offset: gap-free per tenant; commit() takes it
    tenant: str
    topic: str
    post_offset: int
    post: Post
    tags: List[str]
    sentiment: str              #: "negative", "neutral" or "positive"
    sentiment_source: str       #: "model" or the rule that set it
    priority: float
    processed: bool
    wom: bool
    backfill: bool              #: produced by a backfill, not by live ingest
    from_image: bool            #: found only in the text of the post's pictures
    highlights: List[Highlight]
    ingested_at_ms: int
    matched_at_ms: int
    snapshot_version: int       #: the ruleset the post was matched against
    #: a near-duplicate's cluster: the earliest post still in sitod's window ("" for a cluster's first post)
    duplicate_of: str = ""
    duplicates: int = 0         #: with duplicate_of: the cluster's size so far, this post included

    @property
    def post_id(self) -> str:
        return self.post.id

    def to_json(self) -> Dict[str, Any]:
        """The JSON line `sito subscribe` prints."""
        j = {"offset": self.offset, "post_id": self.post.id, "tenant": self.tenant, "topic": self.topic,
                "tags": list(self.tags), "backfill": self.backfill, "sentiment": self.sentiment,
                "sentiment_source": self.sentiment_source, "priority": round(self.priority * 10) / 10,
                "processed": self.processed, "wom": self.wom, "from_image": self.from_image,
                "highlights": [{"field": h.field, "start": h.start, "end": h.end, "term": h.term}
                               for h in self.highlights],
                "snapshot_version": self.snapshot_version, "ingested_at_ms": self.ingested_at_ms,
                "matched_at_ms": self.matched_at_ms, "post": self.post.to_json()}
        if self.duplicate_of:
            j["duplicate_of"] = self.duplicate_of
            j["duplicates"] = self.duplicates
        return j

    @classmethod
    def _from_wire(cls, m: Any) -> "Mention":
        s = m.Sentiment()
        post = m.Post()
        return cls(offset=m.Offset(), tenant=text(m.Tenant()), topic=text(m.Topic()), post_offset=m.PostOffset(),
                   post=Post._from_wire(post) if post is not None else Post(), tags=texts(m, "Tags"),
                   sentiment=SENTIMENTS[s] if 0 <= s < len(SENTIMENTS) else str(s),
                   sentiment_source=text(m.SentimentSource()), priority=m.Priority(), processed=bool(m.Processed()),
                   wom=bool(m.Wom()), backfill=bool(m.Backfill()), from_image=bool(m.FromImage()),
                   highlights=[Highlight(text(h.Field()), h.Start(), h.End(), text(h.Term()))
                               for h in tables(m, "Highlights")],
                   ingested_at_ms=m.IngestedAtMs(), matched_at_ms=m.MatchedAtMs(),
                   snapshot_version=m.SnapshotVersion(), duplicate_of=text(m.DuplicateOf()),
                   duplicates=m.Duplicates())


@dataclass
class Alert:
    """An alert on the mention stream (sito/server/stream_stats.hpp): a spike of
    mentions of a topic or a tag, or a campaign (a near-duplicate cluster among
    a topic's mentions that reached the tenant's campaign.min_authors)."""

    id: int
    tenant: str
    topic: str
    tag: str            #: empty: the topic as a whole
    at_ms: int
    count: int          #: spike: mentions in the running minute; campaign: the cluster's mentions of the topic
    baseline: float     #: spike: mean mentions per minute before
    threshold: float    #: spike: the count it had to reach; campaign: min_authors
    kind: str = "spike"  #: "spike" or "campaign"
    first_post: str = ""  #: campaign: the id of the cluster's earliest post still in the window
    authors: int = 0      #: campaign: distinct authors within the minutes

    @classmethod
    def _from_wire(cls, a: Any) -> "Alert":
        return cls(a.Id(), text(a.Tenant()), text(a.Topic()), text(a.Tag()), a.AtMs(), a.Count(), a.Baseline(),
                   a.Threshold(), kind="campaign" if a.Kind() == 1 else "spike", first_post=text(a.FirstPost()),
                   authors=a.Authors())


# ---- stats --------------------------------------------------------------


@dataclass
class SentimentCounts:
    negative: int = 0
    neutral: int = 0
    positive: int = 0

    @classmethod
    def _from_wire(cls, c: Any) -> "SentimentCounts":
        return cls(c.Negative(), c.Neutral(), c.Positive()) if c is not None else cls()


@dataclass
class Aggregate:
    """Rolling counters of one topic (tag empty) or one tag of a topic."""

    topic: str
    tag: str
    minute: SentimentCounts     #: the running one-minute bucket
    hour: SentimentCounts       #: the last sixty one-minute buckets
    day: SentimentCounts        #: the last twenty-four one-hour buckets
    loyalty_hour: float
    loyalty_day: float
    share_of_voice_hour: float
    share_of_voice_day: float


@dataclass
class PeriodRow:
    """One bucket of a period query (the names of `sito stats --by` JSON lines)."""

    from_ms: int
    to_ms: int
    from_: str          #: ISO 8601 in the zone ("from" in JSON)
    to: str
    topic: str
    tag: str
    mentions: int
    negative: int
    neutral: int
    positive: int
    loyalty: float
    authors: int
    audience: int
    reach: int
    engagement: int
    er: float
    wom: int
    wom_share: float
    nps: Optional[float]             #: topics with NPS tags only
    share_of_voice: Optional[float]  #: topic rows only
    estimated: bool                  #: authors and audience are estimates

    @classmethod
    def _from_wire(cls, p: Any) -> "PeriodRow":
        return cls(p.FromMs(), p.ToMs(), text(p.From_()), text(p.To()), text(p.Topic()), text(p.Tag()),
                   p.Mentions(), p.Negative(), p.Neutral(), p.Positive(), p.Loyalty(), p.Authors(), p.Audience(),
                   p.Reach(), p.Engagement(), p.Er(), p.Wom(), p.WomShare(), p.Nps(), p.ShareOfVoice(),
                   bool(p.Estimated()))


@dataclass
class StatsResult:
    counters: Dict[str, float]       #: the tenant's counters by name (posts_ingested, mentions_committed, ...)
    aggregates: List[Aggregate]
    alerts: List[Alert]              #: the tenant's recent alerts, oldest first
    periods: List[PeriodRow]         #: with `by`: the buckets, oldest first
    time_zone: str                   #: the zone the buckets follow

    @classmethod
    def _from_wire(cls, r: Any) -> "StatsResult":
        aggregates = [Aggregate(text(a.Topic()), text(a.Tag()), SentimentCounts._from_wire(a.Minute()),
                                SentimentCounts._from_wire(a.Hour()), SentimentCounts._from_wire(a.Day()),
                                a.LoyaltyHour(), a.LoyaltyDay(), a.ShareOfVoiceHour(), a.ShareOfVoiceDay())
                      for a in tables(r, "Aggregates")]
        return cls(counters={text(c.Name()): c.Value() for c in tables(r, "Counters")}, aggregates=aggregates,
                   alerts=[Alert._from_wire(a) for a in tables(r, "Alerts")],
                   periods=[PeriodRow._from_wire(p) for p in tables(r, "Periods")], time_zone=text(r.TimeZone()))


@dataclass
class Welcome:
    """The server's answer to Hello."""

    protocol_version: int
    tenant: str
    max_frame_bytes: int
    max_batch_posts: int
    producer_window: int   #: unacknowledged PublishBatch frames allowed in flight
    server_version: str
