#!/usr/bin/env bash
# Smoke run of sito-bench with tiny sizes (a few seconds): every mode runs,
# results.json is written and sane, and the chart scripts are there.
# Usage: sito_bench_smoke.sh path/to/sito-bench
set -euo pipefail
bench="$1"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$bench" all --topics 60 --duration 0.3 --peer-seconds 0.2 --pool 512 --batch 128 \
  --rate 2000 --no-half-load --update-rate 1000 --updates 1 --no-sync --out "$out" >"$out/stdout.txt"
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
d = json.load(open(os.path.join(out, "results.json")))
def check(cond, what):
    if not cond:
        print("sito_bench_smoke: " + what, file=sys.stderr)
        print(json.dumps(d, indent=1)[:4000], file=sys.stderr)
        sys.exit(1)
check(d["meta"]["command"].split()[1] == "all", "meta.command")
e = d["engine"][0]
check(e["topics"] == 60 and e["terms"] > 300 and e["posts_per_s"] > 0, "engine row")
check(e["batch_latency_us_p50"] > 0 and e["batch_latency_us_p99"] >= e["batch_latency_us_p50"], "engine latency")
p = d["peers"][0]
for k in ("raw_hs_posts_per_s", "re2_set_posts_per_s", "xapian_posts_per_s", "sito_vs_xapian"):
    check(isinstance(p.get(k), (int, float)) and p[k] > 0, "peers." + k)
# Agreement that can fail: the Xapian percolator's relaxations only add
# mentions, so it must find every mention sito finds on the same posts, and
# there must be some to compare.
check(p["sito_mentions_same_posts"] > 0, "sito found no mentions to compare")
check(p["mentions_found_by_both"] == p["sito_mentions_same_posts"],
      "Xapian missed %d of sito's %d mentions" % (p["sito_mentions_same_posts"] - p["mentions_found_by_both"],
                                                   p["sito_mentions_same_posts"]))
check(p["xapian_mentions"] >= p["sito_mentions_same_posts"], "Xapian found fewer mentions than sito")
c = d["compile"][0]
check(c["topics"] == 60 and c["errors"] == 0 and c["compile_s"] > 0 and c["peak_rss_mib"] > 10, "compile row")
check(c["single_topic_update_ms_median"] > 0, "single-topic update")
r = d["e2e"][0]
check(r["posts_acked"] > 0 and r["mentions_delivered"] > 0 and r["latency_ms_p50"] >= 0, "e2e row")
b = d["backfill"][0]
check(b["posts_scanned"] >= r["posts_acked"] and b["posts_per_s"] > 0, "backfill row")
u = d["update"][0]
check(u["upserts"] == 1 and u["visible_count"] == 1 and u["visible_ms_p50"] > 0, "update row")
for f in ("throughput_vs_topics.gp", "throughput_vs_topics.dat", "latency_cdf.gp", "latency_0.dat"):
    check(os.path.exists(os.path.join(out, f)), "missing " + f)
print("sito_bench_smoke: ok")
PY
