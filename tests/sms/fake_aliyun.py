"""A stand-in for Alibaba Cloud's SMS endpoint, run as its own process: ``python -m tests.sms.fake_aliyun PORT SECRET LOG``.

It checks each ``SendSms`` request the way the provider documents it, independently of our adapter's code:
the common parameters (Format, Version 2017-05-25, AccessKeyId, SignatureMethod HMAC-SHA1, SignatureVersion 1.0,
a SignatureNonce never seen before, a UTC Timestamp within 15 minutes), the operation's own (PhoneNumbers,
SignName, TemplateCode, TemplateParam as JSON), and the Signature, recomputed from the test secret —
a mismatch is refused with ``SignatureDoesNotMatch`` as the real service does. Accepted requests are appended
to LOG (one JSON line each) for the test to read. ``POST /__fail?times=N&code=C`` makes the next N sends fail.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

REQUIRED = (
    "AccessKeyId",
    "Action",
    "Format",
    "PhoneNumbers",
    "RegionId",
    "SignName",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "TemplateCode",
    "Timestamp",
    "Version",
)
UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def encode(text: str) -> str:
    # RFC 3986, written out byte by byte (deliberately not the adapter's urllib.quote).
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def expected_signature(method: str, params: dict[str, str], secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(encode(k) + "=" + encode(v) for k, v in pairs)
    to_sign = method + "&" + encode("/") + "&" + encode(canonical)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class State:
    def __init__(self, secret: str, log_path: str) -> None:
        self.secret = secret
        self.log_path = log_path
        self.nonces: set[str] = set()
        self.fail: list[str] = []
        self.lock = threading.Lock()


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # the test reads LOG, not stderr
            return None

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, status: int, code: str, message: str) -> None:
            self._answer(status, {"Code": code, "Message": message, "RequestId": str(uuid.uuid4())})

        def do_GET(self):
            self._handle("GET", dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)))

        def do_POST(self):
            url = urlsplit(self.path)
            if url.path == "/__fail":
                args = dict(parse_qsl(url.query))
                with state.lock:
                    state.fail = [args.get("code", "ServiceUnavailable")] * int(args.get("times", "1"))
                self._answer(200, {"ok": True})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                self._refuse(400, "InvalidParameter", "form body expected")
                return
            self._handle("POST", dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)))

        def _handle(self, method: str, params: dict[str, str]) -> None:
            missing = [k for k in REQUIRED if not params.get(k)]
            if missing:
                self._refuse(400, "MissingParameter", "missing " + ",".join(missing))
                return
            if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
                self._refuse(400, "InvalidAction.NotFound", "unknown action or version")
                return
            if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
                self._refuse(400, "InvalidParameter", "bad signature method/version")
                return
            if params["Format"] not in ("JSON", "XML"):
                self._refuse(400, "InvalidParameter", "bad Format")
                return
            try:
                stamp = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            except ValueError:
                self._refuse(400, "InvalidTimeStamp.Format", "Timestamp must be yyyy-MM-ddTHH:mm:ssZ (UTC)")
                return
            if abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) > 900:
                self._refuse(400, "InvalidTimeStamp.Expired", "Timestamp too far from now")
                return
            if not hmac.compare_digest(params["Signature"], expected_signature(method, params, state.secret)):
                self._refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
                return
            with state.lock:
                if params["SignatureNonce"] in state.nonces:
                    self._refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
                    return
                state.nonces.add(params["SignatureNonce"])
                failure = state.fail.pop(0) if state.fail else None
            try:
                json.loads(params.get("TemplateParam") or "{}")
            except ValueError:
                self._refuse(400, "isv.INVALID_JSON_PARAM", "TemplateParam is not JSON")
                return
            if failure:
                self._refuse(503 if failure == "ServiceUnavailable" else 400, failure, "injected failure")
                return
            biz_id = uuid.uuid4().hex[:20]
            with state.lock, open(state.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"method": method, "params": params, "biz_id": biz_id}, ensure_ascii=False) + "\n")
            self._answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": str(uuid.uuid4())})

    return Handler


def main() -> None:
    port, secret, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(State(secret, log_path)))
    print(f"fake aliyun sms on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
