#!/usr/bin/env python3
"""ops/demo's look at the query playground's API (the page that uses it is at
http://HOST:PORT/playground): a broken query as the editor shows it, then a
stored topic tried, unsaved, over the newest posts of the log, with the hit
words in [brackets].

Usage: show_playground.py --http 127.0.0.1:7401 --token demo-admin [--posts 200]
"""
import argparse
import json
import urllib.error
import urllib.request


def call(base, token, method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise SystemExit(f"show_playground: {method} {path}: {e.code} {e.read().decode(errors='replace')}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--posts", type=int, default=200)
    args = ap.parse_args()
    base = "http://" + args.http
    topics = [t for t in call(base, args.token, "GET", "/api/v1/topics")["topics"] if t["query"]]
    if not topics:
        print("  (no topic with a query)")
        return
    topic = max(topics, key=lambda t: len(t["tags"]) + len(t["rules"]))
    broken = 'доставк* NEAR/3 (опоздал*, "не привезли"'
    v = call(base, args.token, "POST", "/api/v1/validate", {"query": broken})
    print(f"  validate while typing: {broken}")
    for d in v["diagnostics"]:
        col = len(broken.encode()[:d["offset"]].decode(errors="replace"))
        print("    " + broken)
        print("    " + " " * col + f"^ {d['severity']}: {d['message']}" + (f" (hint: {d['hint']})" if d.get("hint") else ""))
    recent = call(base, args.token, "GET", f"/api/v1/posts/recent?limit={args.posts}")["posts"]
    lines = "\n".join(json.dumps(p, ensure_ascii=False) for p in recent)
    r = call(base, args.token, "POST", "/api/v1/try", {"topic": topic, "posts": lines})
    print(f"  topic '{topic['id']}' tried over the {len(recent)} newest posts (nothing saved): "
          f"{r['matched']} match")
    shown = 0
    for p in r["posts"]:
        segments = [s for f in p["fields"] if f["name"] == "text" for s in f["segments"]]
        if not p["matched"] or shown == 3 or not any(s.get("hit") for s in segments):
            continue
        shown += 1
        text = " ".join("".join(("[" + s["text"] + "]") if s.get("hit") else s["text"] for s in segments).split())
        if len(text) > 150:
            text = text[:147] + "..."
        tags = ", ".join(p["tags"]) or "no tags"
        print(f"    {p['id']}: {p['sentiment']}, priority {p['priority']}, {tags}\n      {text}")


if __name__ == "__main__":
    main()
