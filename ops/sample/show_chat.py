#!/usr/bin/env python3
"""Prints what the demo's "Telegram chat" and CRM webhook received (ops/demo).

Reads fake_messenger.py's JSON lines; Telegram's HTML becomes terminal text
(<b> in bold, links as "text: url", entities unescaped).

Usage: show_chat.py --received chat.jsonl [--show N]
"""
import argparse
import html
import json
import re
import sys

BOLD, PLAIN = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")


def terminal(text):
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: m.group(2) + ": " + m.group(1), text)
    text = text.replace("<b>", BOLD).replace("</b>", PLAIN)
    text = re.sub(r"</?[a-z]+>", "", text)
    return html.unescape(text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--received", required=True)
    p.add_argument("--show", type=int, default=8, help="mention messages printed in full (digests always; the rest counted)")
    a = p.parse_args()
    messages, hooks = [], []
    try:
        with open(a.received, encoding="utf-8") as f:
            for line in f:
                e = json.loads(line)
                (messages if e["kind"] == "telegram" else hooks).append(e)
    except FileNotFoundError:
        pass
    def kind(m):
        first = m["text"].split("\n", 1)[0]
        if " more " in first:
            return "digest"
        if first.startswith("<b>Spike:") or first.startswith("<b>Campaign:"):
            return "alert"
        return "mention"
    kinds = [kind(m) for m in messages]
    print("ops/demo: the \"Telegram chat\" %s received %d messages: %d mentions, %d digests over the rate limit, %d alerts"
          % (messages[0]["chat_id"] if messages else "", len(messages), kinds.count("mention"), kinds.count("digest"),
             kinds.count("alert")))
    shown = 0
    for m, k in zip(messages, kinds):
        if k == "alert":
            print("  ⚠ " + terminal(m["text"]).replace("\n", " — "))
            continue
        if k == "mention":
            shown += 1
            if shown > a.show:
                continue
        print("  ┌─ " + k)
        for line in terminal(m["text"]).split("\n"):
            print("  │ " + line)
    if shown > a.show:
        print("  … %d more mention messages" % (shown - a.show))
    mentions = sum(h["mentions"] for h in hooks)
    offsets = [o for h in hooks for o in h["offsets"]]
    ordered = all(x < y for x, y in zip(offsets, offsets[1:]))
    print("ops/demo: the CRM webhook received %d requests, %d mentions%s"
          % (len(hooks), mentions, ", offsets in order" if offsets and ordered else ""))


if __name__ == "__main__":
    main()
