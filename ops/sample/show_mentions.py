#!/usr/bin/env python3
"""Pretty-print the mentions of `sito match` (JSON lines on stdin).

For every mention: tenant/topic, the post id and where it came from, and the
matched fields of the post with the highlighted bytes marked: bold colour on
a terminal, «…» otherwise. Ends with a summary: posts scanned, rejected,
mentions, and the count per topic.

Usage:
  sito match --topics T.yaml --posts P.jsonl 2>errors.jsonl |
    show_mentions.py --posts P.jsonl [--topics T.yaml] [--errors errors.jsonl] [--show N]

The highlights carry byte offsets into the post's field (title, text, or image
for image_text), so the posts file is read to print the text around them.
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import sys
from collections import Counter, OrderedDict

FIELD_KEYS = {"title": "title", "text": "text", "image": "image_text"}
CONTEXT_BEFORE, CONTEXT_AFTER = 60, 100  # characters kept around a highlight
SHORT_FIELD = 280                         # shorter fields print whole


class Style:
    def __init__(self, color):
        self.color = color

    def _wrap(self, code, s):
        return "\033[%sm%s\033[0m" % (code, s) if self.color else s

    def hit(self, s):
        return self._wrap("1;33", s) if self.color else "«" + s + "»"

    def topic(self, s):
        return self._wrap("1;36", s)

    def dim(self, s):
        return self._wrap("2", s)

    def warn(self, s):
        return self._wrap("1;31", s)


def load_posts(path):
    posts, lines = {}, 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            lines += 1
            try:
                p = json.loads(line)
            except ValueError:
                continue
            if isinstance(p, dict) and "id" in p:
                posts[str(p["id"])] = p
    return posts, lines


def topic_ids(path):
    """Topic ids in file order (for the summary), or [] when unreadable."""
    if not path:
        return []
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return []
    if path.endswith(".json"):
        try:
            doc = json.loads(text)
            topics = doc.get("topics", []) if isinstance(doc, dict) else doc
            return [str(t["id"]) for t in topics if isinstance(t, dict) and "id" in t]
        except (ValueError, KeyError, TypeError, AttributeError):
            return []
    return [m.group(1).strip("'\"") for m in re.finditer(r"^\s*-\s*id:\s*(\S+)", text, re.M)]


def render_field(raw, spans, style, short=SHORT_FIELD):
    """`raw`: the field's UTF-8 bytes; `spans`: merged (start, end) byte ranges."""
    chars = []  # (char, highlighted)
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        size = 1 if b < 0x80 else 2 if b >> 5 == 6 else 3 if b >> 4 == 14 else 4 if b >> 3 == 30 else 1
        piece = raw[i:i + size]
        hl = any(s < i + size and i < e for s, e in spans)
        chars.append((piece.decode("utf-8", errors="replace"), hl))
        i += size
    keep = [True] * len(chars)
    if len(chars) > short and any(h for _, h in chars):
        keep = [False] * len(chars)
        for k, (_, h) in enumerate(chars):
            if h:
                for j in range(max(0, k - CONTEXT_BEFORE), min(len(chars), k + CONTEXT_AFTER)):
                    keep[j] = True
    elif len(chars) > short:
        keep = [k < short for k in range(len(chars))]
    out, run, run_hl, gap = [], [], False, False

    def flush():
        if run:
            s = "".join(run)
            out.append(style.hit(s) if run_hl else s)

    for k, (c, h) in enumerate(chars):
        if not keep[k]:
            if not gap:
                flush()
                run, gap = [], True
                out.append(style.dim(" … "))
            continue
        gap = False
        if c == "\n" and not h:  # a run of line breaks shows as one mark
            c = "" if k and chars[k - 1][0] == "\n" else style.dim(" ↵ ")
        if h != run_hl and run:
            flush()
            run = []
        run_hl = h
        run.append(c)
    flush()
    return "".join(out).strip()


def merge(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def describe(post):
    bits = [post.get("source", "?") + "/" + post.get("source_type", "?")]
    for key in ("channel", "place"):
        if post.get(key):
            bits.append("%s %s" % (key, post[key]))
    a = post.get("author") or {}
    if a.get("handle"):
        who = "@" + a["handle"]
        if isinstance(a.get("followers"), int):
            who += " (%s followers)" % human(a["followers"])
        bits.append(who)
    if post.get("parent_id"):
        bits.append("reply")
    if post.get("is_repost"):
        bits.append("repost")
    return " · ".join(bits)


def human(n):
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div:
            return ("%.1f" % (n / div)).rstrip("0").rstrip(".") + unit
    return str(n)


def print_mention(m, post, style, out):
    head = "%s %s  %s" % (style.topic("%s/%s" % (m.get("tenant", "?"), m.get("topic", "?"))),
                          m.get("post_id", "?"), style.dim(describe(post) if post else "(post not in file)"))
    if m.get("from_image"):
        head += "  " + style.warn("[found in the picture]")
    if m.get("duplicate_of"):
        head += "  " + style.warn("[near-duplicate of %s, cluster of %d]" % (m["duplicate_of"], m.get("duplicates", 0)))
    out.write(head + "\n")
    hls = m.get("highlights") or []
    if not post:
        return
    by_field = OrderedDict()
    terms = []
    for h in hls:
        by_field.setdefault(h.get("field", "text"), []).append((int(h["start"]), int(h["end"])))
        t = h.get("term")
        if t and t not in terms:
            terms.append(t)
    if not by_field:  # matched by channel or metadata alone: no term hit
        why = "channel " + post["channel"] if post.get("channel") else "metadata"
        out.write("    %s\n" % style.dim("(no term hit: matched by %s)" % why))
        for field in ("title", "text"):
            if post.get(field):
                raw = post[field].encode("utf-8")
                out.write("    %s %s\n" % (style.dim(field + ":"), render_field(raw, [], style, 160)))
        return
    for field in ("title", "text", "image"):
        if field not in by_field:
            continue
        raw = (post.get(FIELD_KEYS[field]) or "").encode("utf-8")
        out.write("    %s %s\n" % (style.dim(field + ":"), render_field(raw, merge(by_field[field]), style)))
    out.write("    %s %s\n" % (style.dim("terms:"), ", ".join(terms)))
    if m.get("tags"):
        out.write("    %s %s\n" % (style.dim("tags:"), ", ".join(m["tags"])))
    write_assessment(m, style, out)


def write_assessment(m, style, out):
    """Sentiment (and where it came from), priority and flags, when present."""
    if "sentiment" not in m:
        return
    mood = m["sentiment"]
    shown = style.warn(mood) if mood == "negative" else mood
    bits = ["%s (%s)" % (shown, m.get("sentiment_source", "model")),
            "priority %d" % round(m.get("priority", 0))]
    if m.get("wom"):
        bits.append("WOM")
    if m.get("processed"):
        bits.append("processed")
    out.write("    %s %s\n" % (style.dim("assessment:"), " · ".join(bits)))


def print_alert(a, style, out):
    if a.get("kind") == "campaign":
        out.write("%s campaign on %s/%s: the cluster of %s reached %d distinct authors (%d mentions)\n" % (
            style.warn("ALERT"), a.get("tenant", "?"), a.get("topic", "?"), a.get("first_post", "?"),
            a.get("authors", 0), a.get("count", 0)))
        return
    where = a.get("topic", "?") + ((" / " + a["tag"]) if a.get("tag") else "")
    out.write("%s spike on %s/%s: %d mentions this minute (usual %.1f, threshold %.0f)\n" % (
        style.warn("ALERT"), a.get("tenant", "?"), where, a.get("count", 0), a.get("baseline", 0),
        a.get("threshold", 0)))


def print_stats(path, style, out):
    """The table of `sito stats` aggregates: per topic, the last hour."""
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError):
        return
    rows = [a for a in doc.get("aggregates", []) if "tag" not in a]
    if not rows:
        return
    out.write("%s\n" % style.topic("last hour per topic (sito stats):"))
    out.write("  %-16s %7s %6s %6s %6s %8s %6s\n" % ("topic", "total", "neg", "neu", "pos", "loyalty", "SoV"))
    for a in sorted(rows, key=lambda r: -r["hour"]["total"]):
        h = a["hour"]
        out.write("  %-16s %7d %6d %6d %6d %+8.2f %5.0f%%\n" % (
            a["topic"], h["total"], h["negative"], h["neutral"], h["positive"], a.get("loyalty_hour", 0),
            100 * a.get("share_of_voice_hour", 0)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", required=True, help="the JSONL file `sito match` read")
    ap.add_argument("--topics", help="the topics file, to list every topic in the summary")
    ap.add_argument("--errors", help="what `sito match` wrote to stderr (JSON lines)")
    ap.add_argument("--show", type=int, default=-1, help="print at most N mentions (default: all)")
    ap.add_argument("--stats", help="`sito stats` output (JSON) to print as a table at the end")
    ap.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    args = ap.parse_args()
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    style = Style(color)
    out = sys.stdout

    posts, post_lines = load_posts(args.posts)
    per_topic, mentioned, shown, total, bad_lines, alerts = Counter(), set(), 0, 0, 0, 0
    campaigns, duplicates, semantic = 0, set(), Counter()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            m = json.loads(line)
        except ValueError:
            bad_lines += 1
            continue
        if "alert" in m:  # sito subscribe --alerts interleaves spike and campaign alerts
            if m["alert"].get("kind") == "campaign":
                campaigns += 1
            else:
                alerts += 1
            if args.show != 0:
                print_alert(m["alert"], style, out)
            continue
        total += 1
        per_topic[m.get("topic", "?")] += 1
        mentioned.add(m.get("post_id"))
        if m.get("duplicate_of"):
            duplicates.add(m.get("post_id"))
        for tag in m.get("tags") or []:
            if tag.startswith("Смысл/"):  # the sample tenant's semantic tags (ops/sample/tenant.yaml)
                semantic[tag] += 1
        if args.show < 0 or shown < args.show:
            # `sito subscribe` delivers the post itself, with the text read from its
            # pictures (image_text); `sito match` output refers to the posts file.
            post = m["post"] if isinstance(m.get("post"), dict) else posts.get(str(m.get("post_id")))
            print_mention(m, post, style, out)
            shown += 1

    rejected, problems = 0, []
    if args.errors and os.path.exists(args.errors):
        for line in open(args.errors, encoding="utf-8", errors="replace"):
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                problems.append(line)
                continue
            if "topic" in e:  # a topic that did not compile, or a warning about one
                kind = "error" if "error" in e else "warning"
                problems.append("topic %s/%s: %s: %s (column %s)" % (
                    e.get("tenant"), e.get("topic"), kind, e.get(kind), e.get("column")))
            elif "post_id" in e or "line" in e:
                rejected += 1
                if rejected <= 5:
                    problems.append("rejected %s: %s" % (
                        e.get("post_id") or "line %s" % e.get("line"), e.get("error")))
            else:
                problems.append(line)
    if rejected > 5:
        problems.append("... and %d more rejected posts" % (rejected - 5))

    out.write("\n")
    for p in problems:
        out.write(style.warn("! ") + p + "\n")
    if 0 <= args.show < total:
        out.write(style.dim("(%d of %d mentions shown)" % (args.show, total)) + "\n")
    order = topic_ids(args.topics)
    order += sorted(t for t in per_topic if t not in order)
    counts = ", ".join("%s %d" % (t, per_topic[t]) for t in order)
    out.write("%s %d posts scanned, %d rejected · %d mentions in %d posts · per topic: %s\n" % (
        style.topic("summary:"), post_lines - rejected, rejected, total, len(mentioned), counts or "-"))
    if duplicates:
        out.write(style.warn("! ") + "%d posts were near-duplicates of earlier ones\n" % len(duplicates))
    if semantic:
        out.write("semantic tags (decided by examples): %s\n" % ", ".join(
            "%s %d" % (t, n) for t, n in sorted(semantic.items())))
    if alerts:
        out.write(style.warn("! ") + "%d spike alerts\n" % alerts)
    if campaigns:
        out.write(style.warn("! ") + "%d campaign alerts (near-duplicate waves)\n" % campaigns)
    if bad_lines:
        out.write(style.warn("! ") + "%d output lines were not JSON\n" % bad_lines)
    if args.stats:
        print_stats(args.stats, style, out)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
