#!/usr/bin/python3
"""The Grafana dashboard (ops/grafana/sitod.json) against a real sitod.

Starts build/server/sitod on free loopback ports with a config and a temp data
dir of its own, publishes a few posts with the sito CLI (so that the labelled
series appear: mentions per topic, rolling windows, rollups, unknown fields,
a live subscription's lag), scrapes /metrics, and checks that

  - the dashboard is well formed: the Prometheus datasource is the input
    ${DS_PROMETHEUS}, every panel has a title, a type and a datasource, and
    every panel but a row has targets, each with an expr;
  - every metric name in every PromQL expr (panels and template variables)
    is one /metrics lists, as a HELP or TYPE line or a sample (a `_bucket`,
    `_sum` or `_count` name is also accepted when its base is a histogram or
    summary); the failure names the panel and the metric;
  - every label a selector matches on is a label of that metric's samples
    (or instance/job, which Prometheus adds), when sitod has samples of it.

Usage: dashboard_test.py --sitod PATH --sito PATH --dashboard ops/grafana/sitod.json
Standard library only (run with /usr/bin/python3); sitod is started by
tests/support/sitod_child.py.
"""
import argparse
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from sitod_child import SitodChild, sha256, wait_until  # noqa: E402

PRODUCER = "dash-producer-secret"
SUBSCRIBER = "dash-subscriber-secret"
ADMIN = "dash-admin-secret"

# ---------------------------------------------------------------------------
# PromQL: the metric names and the label matchers of an expression.

PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
    "offset", "inf", "nan",
}
# Labels Prometheus attaches at scrape time.
SCRAPE_LABELS = {"instance", "job"}


def _strip_strings(expr):
    """Replaces string literals by "" (their content is no metric)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def parse_promql(expr):
    """Returns (names, selectors, grouping): the metric names the expression
    reads, [(name, {label, ...})] for each selector with matchers, and the
    label names of by/without/on/ignoring/group_* clauses."""
    e = _strip_strings(expr)
    e = re.sub(r"\$\{?\w+\}?", " ", e)  # Grafana variables: $__rate_interval, ${tenant}
    selectors = []
    for m in re.finditer(r"([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^}]*)\}", e):
        labels = {lm.group(1) for lm in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(2))}
        name = m.group(1)
        if name is None:  # {__name__="..."} or a bare matcher set
            selectors.append((None, labels))
        elif name.lower() not in PROMQL_KEYWORDS:
            selectors.append((name, labels))
    e = re.sub(r"\{[^}]*\}", " ", e)
    grouping = set()
    for m in re.finditer(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", e):
        grouping |= {g.strip() for g in m.group(2).split(",") if g.strip()}
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)  # ranges and subqueries
    e = re.sub(r"\boffset\s+-?\w+", " ", e)
    e = re.sub(r"@\s*[\w.()]+", " ", e)
    # Numbers (1e6, 0.5, 0x1f) before identifiers, so `e6` is not a name.
    e = re.sub(r"(?<![A-Za-z0-9_:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        token = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("("):
            continue  # a function or an aggregation
        if token.lower() in PROMQL_KEYWORDS:
            continue
        names.add(token)
    return names, selectors, grouping


def self_test():
    """The parser on expressions whose answer is known: a checker that finds
    no names would pass any dashboard."""
    cases = [
        ('sum by (tenant) (rate(sito_a_total{instance=~"$instance",tenant=~"$tenant"}[$__rate_interval])) / 1e6',
         {"sito_a_total"}, [("sito_a_total", {"instance", "tenant"})], {"tenant"}),
        ("histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m]))) or vector(0)",
         {"x_seconds_bucket"}, [], {"le"}),
        ('sum(rate(a_sum[1m])) / sum(rate(a_count[1m] offset 1h)) > bool 2e-3',
         {"a_sum", "a_count"}, [], set()),
        ('sito_up{job="sitod"} * on (instance) sito_d{state!~"x|y"} unless sito_e offset 5m',
         {"sito_up", "sito_d", "sito_e"}, [("sito_up", {"job"}), ("sito_d", {"state"})], {"instance"}),
        ('max(sito_b{window="hour", tag=""}) - on (topic) group_left (tenant) sito_c',
         {"sito_b", "sito_c"}, [("sito_b", {"window", "tag"})], {"topic", "tenant"}),
    ]
    for expr, names, selectors, grouping in cases:
        got = parse_promql(expr)
        assert got == (names, selectors, grouping), f"parse_promql({expr!r}) = {got}"


# ---------------------------------------------------------------------------
# /metrics in the Prometheus text format.

def parse_exposition(text):
    """Returns ({name: type}, {sample name: set of label names})."""
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(None, 3)
            name = parts[2]
            types.setdefault(name, "untyped")
            if parts[1] == "TYPE" and len(parts) > 3:
                types[name] = parts[3].strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+\S+", line)
        if not m:
            raise AssertionError(f"/metrics: a line that is not a sample: {line!r}")
        labels = set(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="', m.group(3) or ""))
        samples.setdefault(m.group(1), set()).update(labels)
    return types, samples


def known(name, types, samples):
    if name in types or name in samples:
        return True
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return True
    return False


# ---------------------------------------------------------------------------
# The dashboard's structure.

def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def check_structure(dash):
    errors = []
    inputs = {i.get("name"): i for i in dash.get("__inputs", [])}
    ds_input = inputs.get("DS_PROMETHEUS")
    if not ds_input or ds_input.get("type") != "datasource" or ds_input.get("pluginId") != "prometheus":
        errors.append("__inputs lacks DS_PROMETHEUS, a prometheus datasource")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        errors.append(f"schemaVersion {dash.get('schemaVersion')!r}: expected a recent one (39)")
    for key in ("title", "uid", "panels", "templating"):
        if key not in dash:
            errors.append(f"the dashboard has no {key}")
    ids = set()
    for p in walk_panels(dash.get("panels", [])):
        title = p.get("title")
        where = f"panel {title!r}"
        if not title:
            errors.append(f"a panel without a title (id {p.get('id')})")
        if not p.get("type"):
            errors.append(f"{where}: no type")
        if p.get("id") in ids:
            errors.append(f"{where}: id {p.get('id')} is used twice")
        ids.add(p.get("id"))
        gp = p.get("gridPos", {})
        if not all(isinstance(gp.get(k), int) for k in ("h", "w", "x", "y")) or gp.get("x", 0) + gp.get("w", 0) > 24:
            errors.append(f"{where}: bad gridPos {gp}")
        if p.get("type") == "row":
            continue  # a row groups panels: a title, no queries
        ds = p.get("datasource")
        if not isinstance(ds, dict) or ds.get("uid") != "${DS_PROMETHEUS}" or ds.get("type") != "prometheus":
            errors.append(f"{where}: datasource {ds!r}, expected the ${{DS_PROMETHEUS}} input")
        targets = p.get("targets")
        if not targets:
            errors.append(f"{where}: no targets")
            continue
        for t in targets:
            if not (t.get("expr") or "").strip():
                errors.append(f"{where}: a target without an expr (refId {t.get('refId')})")
            tds = t.get("datasource")
            if tds is not None and (not isinstance(tds, dict) or tds.get("uid") != "${DS_PROMETHEUS}"):
                errors.append(f"{where}: target {t.get('refId')} has datasource {tds!r}")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    tenant = variables.get("tenant")
    if not tenant or tenant.get("type") != "query":
        errors.append("no `tenant` template variable of type query")
    return errors


def exprs_of(dash):
    """(where, expr) for every PromQL the dashboard runs."""
    for p in walk_panels(dash.get("panels", [])):
        for t in p.get("targets", []) or []:
            if t.get("expr"):
                yield f"panel {p.get('title')!r} ({t.get('refId')})", t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if q:
            yield f"variable {v.get('name')!r}", q


def check_metrics(dash, types, samples):
    errors = []
    used = set()
    for where, expr in exprs_of(dash):
        label_values = re.match(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", expr)
        if label_values:
            # label_values(SELECTOR, LABEL): the label must be on the metric.
            names, selectors, grouping = parse_promql(label_values.group(1))
            selectors = selectors + [(n, {label_values.group(2)}) for n in names]
        else:
            names, selectors, grouping = parse_promql(expr)
        if not names:
            errors.append(f"{where}: no metric in {expr!r}")
        for name in sorted(names):
            used.add(name)
            if not known(name, types, samples):
                errors.append(f"{where}: metric {name} is not in sitod's /metrics ({expr})")
        for name, labels in selectors:
            if name is None or name not in samples:
                continue  # no samples to compare with (an unlabelled one has an empty set)
            unknown = labels - samples[name] - SCRAPE_LABELS
            if unknown:
                errors.append(f"{where}: {name} has no label {', '.join(sorted(unknown))} "
                              f"(its labels: {', '.join(sorted(samples[name])) or 'none'})")
        present = set().union(*(samples.get(n, set()) for n in names)) | SCRAPE_LABELS
        if grouping - present and all(n in samples for n in names):
            errors.append(f"{where}: grouping by {', '.join(sorted(grouping - present))}, "
                          f"a label none of {', '.join(sorted(names))} has")
    return errors, used


# ---------------------------------------------------------------------------
# A real sitod.

def write_config(d):
    topics = os.path.join(d, "topics.yaml")
    with open(topics, "w", encoding="utf-8") as f:
        f.write("""tenant: dash
topics:
  - id: delivery
    query: 'курьер* OR доставк*'
    tags:
      - {path: "Тачпоинт/Доставка", query: 'доставк*'}
  - id: love
    query: 'любовь OR жизнь'
""")
    cfg = os.path.join(d, "sitod.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(f"""listen: 127.0.0.1:0
http: 127.0.0.1:0
data_dir: {os.path.join(d, 'data')}
ocr: off
tenants:
  - name: dash
    topics_file: {topics}
    ingest_posts_per_second: 100000
    tokens:
      - {{sha256: {sha256(PRODUCER)}, role: producer}}
      - {{sha256: {sha256(SUBSCRIBER)}, role: subscriber}}
      - {{sha256: {sha256(ADMIN)}, role: admin}}
""")
    posts = os.path.join(d, "posts.jsonl")
    texts = ["Курьер опоздал, доставка сорвалась", "Любовь и жизнь", "Доставка цветов вовремя, спасибо",
             "курьер был вежлив", "жизнь прекрасна"]
    with open(posts, "w", encoding="utf-8") as f:
        for i, text in enumerate(texts * 4):
            post = {"id": f"p{i}", "source": "vk", "text": text,
                    "author": {"id": f"u{i % 5}", "followers": 100 + i}, "reach": 1000 + i}
            if i == 0:
                post["txet"] = "a vendor's field"  # sito_posts_with_unknown_fields_total{tenant}
            f.write(json.dumps(post, ensure_ascii=False) + "\n")
    return cfg, posts


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def scrape_real_sitod(sitod, sito, d):
    cfg, posts = write_config(d)
    child = SitodChild(sitod, cfg, os.path.join(d, "sitod.log"))
    sub = None
    try:
        port, http_port = child.start(60)
        server = ["--server", f"127.0.0.1:{port}"]
        base = f"http://127.0.0.1:{http_port}"
        # A live subscription (its lag is a labelled series), then the posts.
        sub = subprocess.Popen([sito, "subscribe", "--name", "dashboard", "--from", "offset:0", *server,
                                "--token", SUBSCRIBER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        r = subprocess.run([sito, "publish", posts, *server, "--token", PRODUCER],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"sito publish failed: {r.stdout}{r.stderr}")
        # Re-sent: duplicates.
        subprocess.run([sito, "publish", posts, *server, "--token", PRODUCER], capture_output=True, timeout=60)
        # The first mention delivered: the subscription is live.
        if not select.select([sub.stdout], [], [], 30)[0] or not sub.stdout.readline():
            raise AssertionError("the subscriber got no mention within 30 s")

        def populated():
            text = get(base + "/metrics")
            needed = ["sito_topic_mentions_total{", "sito_subscription_lag_mentions{", "sito_mentions_window{",
                      "sito_audience{", "sito_posts_with_unknown_fields_total{"]
            return text if all(n in text for n in needed) else None
        text = wait_until(populated, 30, "the labelled series in /metrics")
        health = get(base + "/health")
        assert '"status":"ok"' in health, health
        return text
    finally:
        if sub is not None:
            sub.kill()
            sub.wait()
        child.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sitod", required=True)
    ap.add_argument("--sito", required=True)
    ap.add_argument("--dashboard", required=True)
    args = ap.parse_args()
    self_test()
    with open(args.dashboard, encoding="utf-8") as f:
        dash = json.load(f)
    errors = check_structure(dash)

    d = tempfile.mkdtemp(prefix="sito-dashboard-")
    try:
        text = scrape_real_sitod(args.sitod, args.sito, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    types, samples = parse_exposition(text)
    metric_errors, used = check_metrics(dash, types, samples)
    errors += metric_errors
    # The checker itself: a name sitod does not have must be caught.
    bogus = {"panels": [{"title": "bogus", "type": "timeseries", "targets": [{"expr": "rate(sito_no_such_total[5m])"}]}]}
    assert check_metrics(bogus, types, samples)[0], "a metric sitod lacks was not reported"

    exposed = set(types) | set(samples)
    unused = sorted(n for n in exposed if n not in used)
    panels = sum(1 for p in walk_panels(dash["panels"]) if p.get("type") != "row")
    print(f"dashboard_test: {panels} panels, {len(used)} metrics used of {len(exposed)} exposed"
          + (f"; not on the dashboard: {', '.join(unused)}" if unused else ""))
    if errors:
        for e in errors:
            print("FAIL:", e, file=sys.stderr)
        return 1
    print("dashboard_test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
