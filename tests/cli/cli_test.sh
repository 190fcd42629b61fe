#!/usr/bin/env bash
# The sito CLI as users run it: exit codes, caret diagnostics, JSON lines.
# Usage: cli_test.sh PATH/TO/sito
set -u
sito="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# validate: ok → exit 0 and the canonical form; error → exit 1 with a caret under NEAR.
out="$("$sito" validate 'flowwow, фловвов NEAR/3 курьер')" || fail "valid query rejected"
grep -q '^ok: (flowwow OR (фловвов NEAR/3 курьер))$' <<<"$out" || fail "canonical form: $out"
out="$("$sito" validate 'flowwow NEAR курьер')" && fail "invalid query accepted"
[ "$(sed -n 2p <<<"$out")" = "        ^" ] || fail "caret not under NEAR: $out"
grep -q 'NEAR needs a distance' <<<"$out" || fail "no reason: $out"
# Mention-level filters: refused in a topic query (caret under them), fine in a rule.
out="$("$sito" validate 'flowwow AND sentiment:negative')" && fail "sentiment: accepted in a topic query"
[ "$(sed -n 2p <<<"$out")" = "            ^" ] || fail "caret not under sentiment: $out"
grep -q 'describes a mention' <<<"$out" || fail "no reason: $out"
"$sito" validate --as rule 'tag:"NPS/Критик" AND sentiment:negative AND NOT is:processed' >/dev/null ||
  fail "a valid rule condition rejected"
out="$("$sito" validate --as tag 'tag:"NPS"')" && fail "tag: accepted in an auto-tag"
grep -q 'only in rules' <<<"$out" || fail "no reason for tag: in an auto-tag: $out"

# match: one JSON line per mention with highlights and tags; a bad post on stderr.
cat >"$dir/topics.yaml" <<'YAML'
tenant: t
topics:
  - id: courier
    query: 'курьер NEAR/3 опоздал'
    tags:
      - {path: "Тачпоинт/Доставка", query: 'доставк*'}
  - id: broken
    query: 'a NEAR b'
YAML
{
  printf '%s\n' '{"id":"1","text":"Курьер опять опоздал с доставкой"}' '{"id":"2","text":"всё хорошо"}'
  printf '{"id":"3","text":"bad \xff byte"}\n'
  printf '%s\n' '{"no json'
} >"$dir/posts.jsonl"
"$sito" match --topics "$dir/topics.yaml" --posts "$dir/posts.jsonl" >"$dir/out.jsonl" 2>"$dir/err.jsonl"
rc=$?
[ "$rc" = 1 ] || fail "a topic failed to compile: exit should be 1, was $rc"
[ "$(wc -l <"$dir/out.jsonl")" = 1 ] || fail "expected one mention: $(cat "$dir/out.jsonl")"
grep -q '"post_id":"1"' "$dir/out.jsonl" || fail "mention of post 1 missing"
grep -q '"tags":\["Тачпоинт/Доставка"\]' "$dir/out.jsonl" || fail "tag missing: $(cat "$dir/out.jsonl")"
grep -q '"sentiment":"negative","sentiment_source":"model"' "$dir/out.jsonl" ||
  fail "sentiment (опоздал) missing: $(cat "$dir/out.jsonl")"
grep -q '"wom":true' "$dir/out.jsonl" || fail "WOM flag missing: $(cat "$dir/out.jsonl")"
grep -q '"start":0,' "$dir/out.jsonl" || fail "highlight of Курьер at byte 0 missing"
grep -q '"topic":"broken"' "$dir/err.jsonl" || fail "compile error not reported: $(cat "$dir/err.jsonl")"
grep -q 'not valid JSON' "$dir/err.jsonl" || fail "bad JSON line not reported"
grep -q '"line":3' "$dir/err.jsonl" || fail "the invalid UTF-8 line is not reported by number"

# explain: the tree and the result.
"$sito" explain --topics "$dir/topics.yaml" --topic courier --post '{"id":"x","text":"курьер опоздал"}' >"$dir/explain.txt" 2>/dev/null
grep -q 'result: MATCH' "$dir/explain.txt" || fail "explain: $(cat "$dir/explain.txt")"
echo "cli_test: ok"
