"""A stand-in upper platform (a provincial 12345 platform) speaking docs/exchange.md, run as its own process.

    python tests/exchange/upper_platform.py --port 5151 --state /tmp/up.json --secret S --key-id city-a --tickets 50

It imports nothing from the application: it verifies and makes signatures from the document alone. Its state
(tickets offered, receipts, status messages applied, duplicates) lives in the ``--state`` file, so it can be
killed ("down for a while") and started again without forgetting. Test-only control endpoints under ``/_``:
``POST /_control`` ``{"drop_every": N, "drop_mode": "before"|"after"|"reject"}`` drops every N-th protocol
request (before doing it, after doing it — the answer is lost —, or refusing it with 422), ``GET /_state``,
``POST /_push`` ``{"city": URL, "ticket_ids": [...]}`` pushes tickets to the city, signed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api/exchange/v1"
SKEW = 300
TZ = dt.timezone(dt.timedelta(hours=8))


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join((method, path, timestamp, nonce, hashlib.sha256(body).hexdigest()))


def signature(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def make_tickets(count: int) -> list[dict]:
    """The tickets this platform assigns to the city: every fifth one with a tight deadline and an attachment."""
    now = dt.datetime.now(TZ).replace(microsecond=0)
    tickets = []
    for i in range(1, count + 1):
        ticket = {
            "ticket_id": f"SD-2026-{i:06d}",
            "title": f"省平台转办：第{i}号诉求",
            "content": f"市民反映东风社区{i}号楼下路灯损坏多日，夜间出行不便，请尽快维修。",
            "citizen": {"name": "王女士", "phone": f"1390000{i:04d}"},
            "address": f"A1区东风街道东风社区{i}号楼",
            "kind": "complaint" if i % 2 else "help",
            "urgent": i % 10 == 0,
            "deadline": (now + dt.timedelta(days=1 if i % 5 == 0 else 30)).isoformat(),
            "source": "省12345政务服务便民热线平台",
            "assigned_at": now.isoformat(),
            "attachments": [],
        }
        if i % 5 == 0:
            ticket["attachments"] = [
                {
                    "name": f"现场照片{i}.jpg",
                    "url": f"https://up.example.gov.cn/files/{i}.jpg",
                    "mime": "image/jpeg",
                    "size": 204800,
                    "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                }
            ]
        tickets.append(ticket)
    return tickets


class Platform:
    def __init__(self, state_path: str, secret: str, key_id: str, count: int) -> None:
        self.path, self.secret, self.key_id = state_path, secret, key_id
        self.lock = threading.Lock()
        if os.path.exists(state_path):
            with open(state_path, encoding="utf-8") as f:
                self.state = json.load(f)
        else:
            self.state = {
                "tickets": make_tickets(count),
                "receipts": {},
                "statuses": {},
                "applied": [],
                "duplicates": 0,
                "requests": 0,
                "dropped": 0,
                "bad_signatures": 0,
                "nonces": [],
                "drop_every": 0,
                "drop_mode": "before",
                "starts": 0,
            }
        self.state["starts"] += 1
        self.save()

    def save(self) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.state, f, ensure_ascii=False)
        os.replace(tmp, self.path)

    def check_signature(self, method: str, path: str, headers, body: bytes) -> bool:
        ts, nonce, given = (
            headers.get("X-Exchange-Timestamp", ""),
            headers.get("X-Exchange-Nonce", ""),
            headers.get("X-Exchange-Signature", ""),
        )
        if headers.get("X-Exchange-Key") != self.key_id or not ts.isdigit() or abs(time.time() - int(ts)) > SKEW:
            return False
        if not nonce or nonce in self.state["nonces"]:
            return False
        if not hmac.compare_digest(signature(self.secret, canonical(method, path, ts, nonce, body)), given):
            return False
        self.state["nonces"] = (self.state["nonces"] + [nonce])[-5000:]
        return True

    def drop(self) -> str | None:
        """Count a protocol request; return how to drop it, or None."""
        self.state["requests"] += 1
        every = self.state["drop_every"]
        if every and self.state["requests"] % every == 0:
            self.state["dropped"] += 1
            return self.state["drop_mode"]
        return None


class Handler(BaseHTTPRequestHandler):
    platform: Platform

    def log_message(self, format: str, *args) -> None:  # quiet
        return

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        p = self.platform
        url = urlsplit(self.path)
        with p.lock:
            if url.path == "/_state":
                return self._answer(200, {k: v for k, v in p.state.items() if k not in ("nonces",)})
            if url.path != PREFIX + "/tickets":
                return self._answer(404, {"error": "not found"})
            if not p.check_signature("GET", self.path, self.headers, b""):
                p.state["bad_signatures"] += 1
                p.save()
                return self._answer(401, {"error": "bad signature"})
            mode = p.drop()
            p.save()
            if mode == "reject":
                return self._answer(422, {"error": "rejected"})
            if mode:
                return self._answer(503, {"error": "busy"})
            query = parse_qs(url.query)
            start = int((query.get("cursor") or ["0"])[0] or 0)
            limit = max(1, min(int((query.get("limit") or ["20"])[0]), 100))
            page = p.state["tickets"][start : start + limit]
            end = start + len(page)
            return self._answer(
                200, {"tickets": page, "next_cursor": str(end), "has_more": end < len(p.state["tickets"])}
            )

    def do_POST(self) -> None:
        p = self.platform
        body = self._body()
        url = urlsplit(self.path)
        if url.path == "/_push":  # outside the lock: the city may call us back (status) while we wait for it
            return self._push(json.loads(body))
        with p.lock:
            if url.path == "/_control":
                p.state.update({k: v for k, v in json.loads(body).items() if k in ("drop_every", "drop_mode")})
                p.save()
                return self._answer(200, {"ok": True})
            if url.path not in (PREFIX + "/tickets/ack", PREFIX + "/status"):
                return self._answer(404, {"error": "not found"})
            if not p.check_signature("POST", self.path, self.headers, body):
                p.state["bad_signatures"] += 1
                p.save()
                return self._answer(401, {"error": "bad signature"})
            mode = p.drop()
            if mode in ("before", "reject"):
                p.save()
                return self._answer(503 if mode == "before" else 422, {"error": "dropped"})
            message = json.loads(body)
            if url.path.endswith("/ack"):
                for receipt in message["receipts"]:
                    p.state["receipts"][receipt["ticket_id"]] = receipt["local_number"]
                answer = {"ok": True}
            else:
                answer = self._status(message)
            p.save()
            if mode == "after":  # done here, but the city never hears the answer
                return self._answer(503, {"error": "busy"})
            return self._answer(200, answer)

    def _status(self, message: dict) -> dict:
        p = self.platform
        known = p.state["statuses"].get(message["message_id"])
        if known is not None:
            p.state["duplicates"] += 1
            return {"ack_id": known["ack_id"], "duplicate": True}
        ack_id = f"ACK-{len(p.state['statuses']) + 1:06d}"
        p.state["statuses"][message["message_id"]] = {"ack_id": ack_id, "message": message}
        p.state["applied"].append(message["message_id"])
        return {"ack_id": ack_id, "duplicate": False}

    def _push(self, control: dict) -> None:
        p = self.platform
        wanted = set(control["ticket_ids"])
        with p.lock:
            tickets = [t for t in p.state["tickets"] if t["ticket_id"] in wanted]
        body = json.dumps({"tickets": tickets}, ensure_ascii=False).encode()
        url = urlsplit(control["city"])
        ts, nonce = str(int(time.time())), control.get("nonce") or secrets.token_hex(16)
        sig = signature(p.secret, canonical("POST", url.path, ts, nonce, body))
        if control.get("tamper"):
            body = body.replace("路灯".encode(), "路面".encode())
        request = urllib.request.Request(
            control["city"],
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Exchange-Key": p.key_id,
                "X-Exchange-Timestamp": ts,
                "X-Exchange-Nonce": nonce,
                "X-Exchange-Signature": sig,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.loads(error.read() or b"{}")
        except OSError as error:  # the city did not answer in time: say so rather than drop the connection
            status, answer = 0, {"error": repr(error)}
        return self._answer(200, {"status": status, "answer": answer})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--tickets", type=int, default=50)
    args = parser.parse_args()
    Handler.platform = Platform(args.state, args.secret, args.key_id, args.tickets)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"upper platform listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
