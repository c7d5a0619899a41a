"""Walk one ticket through the whole closed loop against a running server, with the demo users.

``python scripts/api_tour.py [BASE_URL]`` (default http://127.0.0.1:5000). Prints each step and the
audit trail; exits non-zero at the first unexpected answer.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000").rstrip("/")
PASSWORD = "demo-12345"
# 督办员 and 管理员 sign in with a TOTP code; the demo's secrets are published (README "Demo logins").
DEMO_TOTP_SECRETS = {"supervisor1": "HOTLINEDEMOSUPERVISOR234", "admin1": "HOTLINEDEMOADMINSECRET23"}
tokens: dict[str, str] = {}


def call(method: str, path: str, user: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if user:
        headers["Authorization"] = f"Bearer {token(user)}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def token(user: str) -> str:
    if user not in tokens:
        credentials = {"username": user, "password": PASSWORD}
        if user in DEMO_TOTP_SECRETS:
            import pyotp

            credentials["otp"] = pyotp.TOTP(DEMO_TOTP_SECRETS[user]).now()
        status, body = call("POST", "/api/v1/auth/token", None, credentials)
        assert status == 200, body
        tokens[user] = body["token"]
    return tokens[user]


def step(number: str, action: str, user: str, expect_state: str, **body) -> dict:
    status, answer = call("POST", f"/api/v1/tickets/{number}/{action}", user, body)
    state = answer.get("ticket", {}).get("state")
    print(f"{action:>18} by {user:<12} → {status} {state or answer.get('error')}")
    if status != 200 or state != expect_state:
        sys.exit(f"unexpected answer to {action}: {status} {answer}")
    return answer["ticket"]


def main() -> None:
    status, created = call(
        "POST",
        "/api/v1/tickets",
        "agent1",
        {
            "channel": "phone",
            "content": "A1区东风社区3栋楼下路灯坏了一个月，晚上出行不安全",
            "caller_phone": "13812345678",
            "kind": "complaint",
            "external_id": None,
        },
    )
    assert status == 201, created
    number = created["ticket"]["number"]
    print(f"registered {number}; suggestions: {sorted(created['suggestions'])}")
    reply = {"result": "已更换路灯", "public_answer": "您反映的路灯已修复，感谢监督。"}
    step(number, "dispatch", "dispatcher1", "dispatched", unit="JTJ")
    step(number, "request_return", "handler2", "return_requested", reason="路灯不属交通部门职责")
    step(number, "approve_return", "dispatcher1", "registered", note="改派A1区")
    step(number, "dispatch", "dispatcher1", "dispatched", unit="A1")
    step(number, "accept", "handler1", "accepted")
    step(number, "request_extension", "handler1", "accepted", days=3, reason="需协调供电公司")
    step(number, "approve_extension", "supervisor1", "accepted")
    step(number, "reply", "handler1", "replied", **reply)
    step(number, "approve_reply", "supervisor1", "callback_due")
    step(number, "callback", "agent1", "disputed", contacted=True, resolved=False, satisfaction="unsatisfied")
    ticket = step(number, "rework", "supervisor1", "dispatched", note="市民反映仍有一盏不亮")
    assert ticket["rework_count"] == 1
    step(number, "accept", "handler1", "accepted")
    step(number, "reply", "handler1", "replied", **reply)
    step(number, "approve_reply", "supervisor1", "callback_due")
    step(number, "callback", "agent1", "closed", contacted=True, resolved=True, satisfaction="satisfied")
    status, illegal = call("POST", f"/api/v1/tickets/{number}/accept", "handler1", {})
    print(f"illegal accept on a closed ticket → {status} {illegal['error']['code']}")
    assert status == 409
    status, _ = call("GET", f"/api/v1/tickets/{number}", "handler2")
    print(f"handler2 (another unit) reads it → {status}")
    assert status == 404
    status, trail = call("GET", f"/api/v1/tickets/{number}/events", "supervisor1")
    for event in trail["events"]:
        print(
            f"  {event['at'][:19]} {event['actor']:<12} {event['action']:<18} {event['from'] or '-':>16} → {event['to']}"
        )


if __name__ == "__main__":
    main()
