#!/usr/bin/env python3
"""A stand-in for the Telegram Bot API and a CRM webhook, for ops/demo.

Listens on 127.0.0.1:PORT and records every POST as one JSON line in --out:
  POST /bot<TOKEN>/sendMessage   the "Telegram chat": {"kind": "telegram", "chat_id", "text", ...}
                                 (401 when TOKEN is not --bot-token; the first
                                 request gets Telegram's 429 with
                                 parameters.retry_after = 1, so sitod's retry shows)
  POST /hooks/crm                the CRM webhook: {"kind": "webhook", "mentions": N, "offsets": [...]}
                                 (401 without the Authorization header --crm-auth)
Anything else gets 404. Never logs the token or the header.

Usage: fake_messenger.py --port 7499 --out chat.jsonl --bot-token T --crm-auth 'Bearer X'
"""
import argparse
import http.server
import json
import sys
import threading

args = None
lock = threading.Lock()
throttled = False


def record(entry):
    with lock:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *a):  # quiet: the path holds the bot token
        pass

    def answer(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global throttled
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        try:
            payload = json.loads(body)
        except ValueError:
            return self.answer(400, {"ok": False, "description": "Bad Request: not JSON"})
        if self.path.startswith("/bot") and self.path.endswith("/sendMessage"):
            token = self.path[len("/bot"):-len("/sendMessage")]
            if token != args.bot_token:
                return self.answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            with lock:
                first, throttled = not throttled, True
            if first:
                return self.answer(429, {"ok": False, "error_code": 429,
                                         "description": "Too Many Requests: retry after 1",
                                         "parameters": {"retry_after": 1}})
            record({"kind": "telegram", "chat_id": payload.get("chat_id"), "text": payload.get("text", ""),
                    "parse_mode": payload.get("parse_mode")})
            return self.answer(200, {"ok": True, "result": {"message_id": 1}})
        if self.path == "/hooks/crm":
            if self.headers.get("Authorization") != args.crm_auth:
                return self.answer(401, {"error": "unauthorized"})
            record({"kind": "webhook", "mentions": len(payload),
                    "offsets": [m.get("offset") for m in payload if isinstance(m, dict) and "offset" in m],
                    "alerts": sum(1 for m in payload if isinstance(m, dict) and "alert" in m)})
            return self.answer(200, {"ok": True})
        return self.answer(404, {"ok": False})


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--bot-token", required=True)
    p.add_argument("--crm-auth", required=True)
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("fake messenger listening on 127.0.0.1:%d" % args.port, file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
