#!/usr/bin/env python3
"""Prints `sito stats --by ...` JSON lines (one per topic and bucket) as a table.

Usage: sito stats --topic T --by week ... | show_periods.py
"""
import json
import sys


def main():
    rows = [json.loads(line) for line in sys.stdin if line.strip()]
    if not rows:
        print("(no period rows)")
        return
    head = ("week from", "topic", "mentions", "loyalty", "authors", "audience", "reach", "WOM share", "SoV")
    print("%-10s  %-18s %8s %8s %8s %10s %10s %9s %6s" % head)
    for r in rows:
        sov = r.get("share_of_voice")
        print("%-10s  %-18s %8d %+8.2f %8d %10d %10d %8.1f%% %6s" % (
            r["from"][:10], (r["topic"] or "(all topics)")[:18], r["mentions"], r["loyalty"], r["authors"],
            r["audience"], r["reach"], 100 * r["wom_share"], "-" if sov is None else "%.2f" % sov))


if __name__ == "__main__":
    main()
