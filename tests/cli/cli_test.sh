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

# match: near-duplicates among the matched posts, in file order. The second
# and third posts are edits of the first (a prefix, emoji, case); the fourth
# matches but is another text; the first of a cluster carries neither field.
cat >"$dir/giveaway.yaml" <<'YAML'
tenant: t
topics:
  - id: giveaway
    query: 'розыгрыш*'
YAML
{
  printf '%s\n' '{"id":"g1","author":{"id":"a"},"text":"Розыгрыш iPhone 15! Сделай репост этой записи и подпишись на нашу группу, итоги в пятницу"}'
  printf '%s\n' '{"id":"g2","author":{"id":"b"},"text":"Репост: РОЗЫГРЫШ iPhone 15!!! Сделай репост этой записи и подпишись на нашу группу, итоги в пятницу 🔥"}'
  printf '%s\n' '{"id":"g3","author":{"id":"c"},"text":"розыгрыш iphone 15 сделай репост этой записи и подпишись на нашу группу итоги в пятницу #конкурс"}'
  printf '%s\n' '{"id":"g4","author":{"id":"d"},"text":"Вчера был розыгрыш призов в нашем кафе, победил мой сосед по подъезду"}'
} >"$dir/giveaway.jsonl"
"$sito" match --topics "$dir/giveaway.yaml" --posts "$dir/giveaway.jsonl" >"$dir/dups.jsonl" 2>"$dir/dups.err" ||
  fail "match: $(cat "$dir/dups.err")"
[ "$(wc -l <"$dir/dups.jsonl")" = 4 ] || fail "expected four mentions: $(cat "$dir/dups.jsonl")"
grep '"post_id":"g1"' "$dir/dups.jsonl" | grep -q 'duplicate' && fail "the first post is no duplicate"
grep '"post_id":"g2"' "$dir/dups.jsonl" | grep -q '"duplicate_of":"g1","duplicates":2' ||
  fail "g2 is a near-duplicate of g1: $(cat "$dir/dups.jsonl")"
grep '"post_id":"g3"' "$dir/dups.jsonl" | grep -q '"duplicate_of":"g1","duplicates":3' ||
  fail "g3 is a near-duplicate of g1: $(cat "$dir/dups.jsonl")"
grep '"post_id":"g4"' "$dir/dups.jsonl" | grep -q 'duplicate' && fail "g4 is another text"

# match: is:duplicate is known before the rules run, as in sitod: a drop rule
# keeps the first post of the cluster and the other text.
cat >"$dir/giveaway_rules.yaml" <<'YAML'
tenant: t
topics:
  - id: giveaway
    query: 'розыгрыш*'
    tags:
      - {path: "Дубль", query: 'is:duplicate'}
    rules:
      - {name: reposts, when: 'is:duplicate AND #конкурс', then: {drop: true}}
YAML
"$sito" match --topics "$dir/giveaway_rules.yaml" --posts "$dir/giveaway.jsonl" >"$dir/dups_rules.jsonl" 2>"$dir/dups.err" ||
  fail "match: $(cat "$dir/dups.err")"
[ "$(grep -o '"post_id":"g[0-9]"' "$dir/dups_rules.jsonl" | tr '\n' ' ')" = '"post_id":"g1" "post_id":"g2" "post_id":"g4" ' ] ||
  fail "the #конкурс repost is dropped: $(cat "$dir/dups_rules.jsonl")"
grep '"post_id":"g2"' "$dir/dups_rules.jsonl" | grep -q '"tags":\["Дубль"\]' ||
  fail "g2 is tagged as a duplicate: $(cat "$dir/dups_rules.jsonl")"
grep '"post_id":"g1"' "$dir/dups_rules.jsonl" | grep -q '"tags":\[\]' || fail "g1 is the first post"

# explain: the tree and the result.
"$sito" explain --topics "$dir/topics.yaml" --topic courier --post '{"id":"x","text":"курьер опоздал"}' >"$dir/explain.txt" 2>/dev/null
grep -q 'result: MATCH' "$dir/explain.txt" || fail "explain: $(cat "$dir/explain.txt")"

# Semantic tags (issue 12): match decides them by their examples before the
# rules run; explain shows the nearest example and counter-example; validate
# checks a whole definition.
cat >"$dir/semantic.yaml" <<'YAML'
tenant: shop
topics:
  - id: shop
    query: 'магазин* OR заказ* OR курьер*'
    tags:
      - path: "Доставка/Опоздание"
        examples: ["курьер опоздал на два часа", "заказ привезли с опозданием"]
        counter_examples: ["курьер приехал вовремя"]
    rules:
      - {name: late, when: 'tag:"Доставка/Опоздание"', then: {sentiment: negative, priority: 90}}
YAML
cat >"$dir/semantic.jsonl" <<'JSONL'
{"id":"s1","source":"vk","text":"Заказала платье в магазине. Курьер опоздал на три часа и не позвонил!"}
{"id":"s2","source":"vk","text":"Спасибо магазину, курьер приехал вовремя и был вежлив"}
{"id":"s3","source":"vk","text":"Отличный магазин, ткань качественная"}
JSONL
"$sito" match --topics "$dir/semantic.yaml" --posts "$dir/semantic.jsonl" >"$dir/semantic_out.jsonl" 2>"$dir/semantic.err" ||
  fail "semantic match: $(cat "$dir/semantic.err")"
grep '"post_id":"s1"' "$dir/semantic_out.jsonl" | grep -q '"sentiment":"negative"' ||
  fail "s1 is late, and the rule saw the tag: $(cat "$dir/semantic_out.jsonl")"
grep '"post_id":"s1"' "$dir/semantic_out.jsonl" | grep -q '"tags":\["Доставка/Опоздание"\]' ||
  fail "s1 gets the semantic tag: $(cat "$dir/semantic_out.jsonl")"
grep '"post_id":"s2"' "$dir/semantic_out.jsonl" | grep -q '"tags":\[\]' ||
  fail "s2 is nearer the counter-example: $(cat "$dir/semantic_out.jsonl")"
"$sito" explain --topics "$dir/semantic.yaml" --topic shop \
  --post '{"id":"x","text":"Спасибо, курьер приехал вовремя"}' >"$dir/semantic_explain.txt" 2>&1
grep -q 'Доставка/Опоздание: not similar (example ".*counter-example "курьер приехал вовремя"' "$dir/semantic_explain.txt" ||
  fail "explain shows both nearest phrases: $(cat "$dir/semantic_explain.txt")"
"$sito" validate --as tag '{path: X, examples: ["курьер опоздал"], counter_examples: ["🔥"]}' >"$dir/sv.txt" 2>&1 &&
  fail "a counter-example without words is refused"
grep -q 'counter-example 1 ("🔥") has no words' "$dir/sv.txt" || fail "validate says which: $(cat "$dir/sv.txt")"
printf 'not a model' >"$dir/bad.bin"
"$sito" match --topics "$dir/semantic.yaml" --posts "$dir/semantic.jsonl" --embedding-model "$dir/bad.bin" \
  >/dev/null 2>"$dir/model.err" && fail "a file that is no fastText model is refused"
grep -q -- '--embedding-model: ' "$dir/model.err" || fail "the refusal names the option: $(cat "$dir/model.err")"
echo "cli_test: ok"
