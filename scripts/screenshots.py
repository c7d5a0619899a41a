"""Real screenshots of the running demo for the README: docs/screenshots/*.png at 1400×900.

    .venv/bin/python scripts/screenshots.py             # starts the demo itself (fresh SQLite, port 5091)
    .venv/bin/python scripts/screenshots.py --base URL  # against a demo server already running (fresh DB!)

Without ``--base`` it runs the ``make run`` steps (``scripts/run.sh``) on a fresh SQLite file
(``/tmp/shots.db``, models in ``/tmp/shots-models``), waits until ``/api/v1/health`` reports a model version
(the demo classifier trains in one to three minutes), then makes realistic traffic through the API with
citizens' messages from ``../shared/data/unlabeled_messages.csv`` — about 15 tickets registered by agent1,
some dispatched by dispatcher1 (A1区, 交通运输局, a grid), signed and answered by the units, approved by
supervisor1, a few approvals left pending, a switchboard call from a repeat caller — and logs in with
headless Chromium as each role to take the pictures. The server is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
DATA = ROOT.parent / "shared" / "data" / "unlabeled_messages.csv"
PASSWORD = "demo-12345"
DEMO_TOTP_SECRETS = {"supervisor1": "HOTLINEDEMOSUPERVISOR234", "admin1": "HOTLINEDEMOADMINSECRET23"}
_used_steps: set[tuple[str, int]] = set()


def demo_otp(user: str) -> str:
    """The demo user's TOTP code; a code is accepted once, so wait for the next 30 s step when this one was used."""
    if user not in DEMO_TOTP_SECRETS:
        return ""
    import pyotp

    while (user, int(time.time() // 30)) in _used_steps:
        time.sleep(1)
    _used_steps.add((user, int(time.time() // 30)))
    return pyotp.TOTP(DEMO_TOTP_SECRETS[user]).now()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
REPEAT_CALLER = "13812345678"
# The repeat caller rang last week about a streetlight; today they call again about it (the console picture).
EARLIER_TEXT = "A1区东风社区3栋旁边的路灯不亮了，晚上小区门口很黑，老人出门不方便，请安排维修。"
CONSOLE_TEXT = "东风社区3栋旁边的路灯不亮，晚上小区门口很黑，老人出门不方便，上次反映过还没修，请尽快报修路灯。"
CONSOLE_ADDRESS = "A1区东风街道东风社区3栋"
SEED = 12345
# The demo server is started with this token so the script may read the health details (the model version).
HEALTH_TOKEN = os.environ.get("HOTLINE_HEALTH_TOKEN") or secrets.token_hex(16)


# ---------------------------------------------------------------- the server


def start_demo(port: int, db_file: Path, models_dir: Path) -> subprocess.Popen:
    """Run ``scripts/run.sh`` (migrate, seed, train the demo model beside the server) on a fresh SQLite file."""
    for path in (db_file, models_dir):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{db_file}",
        "PORT": str(port),
        "HOTLINE_MODELS_DIR": str(models_dir),
        "HOTLINE_HEALTH_TOKEN": HEALTH_TOKEN,
    }
    env.pop("REDIS_URL", None)
    log = open(Path("/tmp") / f"screenshots-server-{port}.log", "wb")  # noqa: SIM115 (lives as long as the server)
    print(f"starting the demo on port {port} (log {log.name})", flush=True)
    return subprocess.Popen(
        ["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_demo(proc: subprocess.Popen) -> None:
    """Stop run.sh and what it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def wait_for_model(base: str, timeout: float, proc: subprocess.Popen | None) -> str:
    """Wait until the server answers and its health shows an active model; return the model version."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the demo server exited ({proc.returncode}); see its log")
        with contextlib.suppress(requests.RequestException, ValueError):  # still starting
            last = requests.get(base + "/api/v1/health", headers={"X-Health-Token": HEALTH_TOKEN}, timeout=3).json()
            if last.get("model_version"):
                print(f"model {last['model_version']} active", flush=True)
                return last["model_version"]
        time.sleep(3)
    raise SystemExit(f"no model after {timeout:.0f} s; last health: {last}")


# ---------------------------------------------------------------- traffic through the API


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.tokens: dict[str, str] = {}
        self.http = requests.Session()

    def _headers(self, user: str) -> dict:
        if user not in self.tokens:
            r = self.http.post(
                self.base + "/api/v1/auth/token",
                json={"username": user, "password": PASSWORD, "otp": demo_otp(user)},
                timeout=10,
            )
            r.raise_for_status()
            self.tokens[user] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def post(self, path: str, user: str, **body) -> dict:
        r = self.http.post(self.base + path, json=body, headers=self._headers(user), timeout=180)
        if r.status_code not in (200, 201):
            raise SystemExit(f"POST {path} as {user}: {r.status_code} {r.text[:300]}")
        return r.json()

    def get(self, path: str, user: str) -> dict | list:
        r = self.http.get(self.base + path, headers=self._headers(user), timeout=180)
        r.raise_for_status()
        return r.json()

    def act(self, number: str, action: str, user: str, **body) -> dict:
        ticket = self.post(f"/api/v1/tickets/{number}/{action}", user, **body)["ticket"]
        print(f"  {number} {action:<18} by {user:<12} → {ticket['state']}", flush=True)
        return ticket


def citizen_messages(path: Path, n: int, about_a1: int) -> list[dict]:
    """Pick ``n`` short, readable messages (title + detail) from the unlabeled citizens' messages.

    The first ``about_a1`` mention A1区 (they go to handler1's district), the others are elsewhere in A市.
    """
    a1, other = [], []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            detail = re.sub(r"\s+", "", row.get("detail") or "")
            title = (row.get("title") or "").strip()
            if 40 <= len(detail) <= 160 and 6 <= len(title) <= 30 and "A市" in detail + title:
                (a1 if "A1区" in detail + title else other).append({"title": title, "content": detail})
    picked = []
    for pool, count in ((a1, about_a1), (other, n - about_a1)):
        random.Random(SEED).shuffle(pool)
        seen: set[str] = set()
        for row in pool:
            if row["title"][:6] not in seen:
                seen.add(row["title"][:6])
                picked.append(row)
            if len(seen) == count:
                break
    return picked


def make_traffic(api: Api, data: Path) -> dict:
    """Register, dispatch, sign, answer and approve like a morning at the centre; return what the pictures need."""
    rng = random.Random(SEED)
    messages = citizen_messages(data, 14, about_a1=6)
    started = time.monotonic()
    api.post("/api/v1/console/suggest", "agent1", text=EARLIER_TEXT)  # the first one loads the model
    print(f"model loaded by the server in {time.monotonic() - started:.1f} s", flush=True)
    print(f"registering {len(messages)} tickets as agent1", flush=True)
    numbers = []
    for i, m in enumerate(messages):
        phone = REPEAT_CALLER if i in (0, 5) else f"13{rng.randint(500000000, 999999999)}"
        body = {
            "channel": rng.choice(["phone", "phone", "phone", "web", "app"]),
            "content": m["content"],
            "title": m["title"],
            "caller_name": rng.choice(["王先生", "李女士", "张先生", "刘女士", "陈先生", "市民"]),
            "caller_phone": phone,
        }
        ticket = api.post("/api/v1/tickets", "agent1", **body)["ticket"]
        numbers.append(ticket["number"])
        print(f"  {ticket['number']} {ticket['title'][:30]}", flush=True)
        if i == 2:  # the repeat caller's streetlight, still open
            ticket = api.post(
                "/api/v1/tickets",
                "agent1",
                channel="phone",
                content=EARLIER_TEXT,
                caller_name="王先生",
                caller_phone=REPEAT_CALLER,
                address=CONSOLE_ADDRESS,
            )["ticket"]
            numbers.append(ticket["number"])
            print(f"  {ticket['number']} {ticket['title'][:30]}", flush=True)
    # A ticket the grid worker can see, with an address in the grid.
    grid_ticket = api.post(
        "/api/v1/tickets",
        "agent1",
        channel="phone",
        caller_phone="13600001111",
        caller_name="赵阿姨",
        title="东风社区3栋绿化带垃圾堆积",
        content="东风社区3栋旁边绿化带里垃圾堆了好几天没人清理，天热有异味，蚊虫很多，请安排清理。",
        address="A1区东风街道东风社区3栋",
    )["ticket"]["number"]

    print("dispatching, handling, approving", flush=True)
    a1 = numbers[0:7]  # to A1区 (handler1)
    jtj = numbers[7:9]  # to 交通运输局 (handler2)
    a2 = numbers[9:11]  # to A2区
    # numbers[11:] stay in the dispatch queue (已受理, with the system's proposals)
    for n in a1:
        api.act(n, "dispatch", "dispatcher1", unit="A1")
    for n in jtj:
        api.act(n, "dispatch", "dispatcher1", unit="JTJ")
    for n in a2:
        api.act(n, "dispatch", "dispatcher1", unit="A2")
    api.act(grid_ticket, "dispatch", "dispatcher1", unit="A1", grid="A1-01-01-G01")

    answer = {
        "result": "已现场核实并处理完毕",
        "public_answer": "您反映的问题已由属地街道会同相关部门现场核实处理，感谢您对我们工作的支持与监督。",
    }
    for n in a1[:5]:
        api.act(n, "accept", "handler1")
    for n in a1[:3]:
        api.act(n, "reply", "handler1", **answer)
    api.act(a1[0], "approve_reply", "supervisor1")  # → 待回访 (the portal picture rates it)
    api.act(a1[1], "approve_reply", "supervisor1")
    api.act(a1[1], "callback", "agent1", contacted=True, resolved=True, satisfaction="satisfied")  # → 办结
    # a1[2] stays 答复待审 (a pending approval); a1[3] asks for more time (pending); a1[4] is being handled
    api.act(a1[3], "request_extension", "handler1", days=3, reason="需协调物业和供电部门共同处理")
    api.act(a1[4], "urge", "dispatcher1", note="市民再次来电催促，请加快办理")
    # a1[5], a1[6] wait for handler1 to sign
    api.act(
        jtj[0],
        "request_return",
        "handler2",
        reason="不属于交通运输部门职责",
        basis="确责清单：小区内部事务由属地街道负责",
    )
    api.act(jtj[1], "accept", "handler2")
    # a2 has no demo handler: those two wait to be signed
    # a time-limit row over the preset and a 万件清理 campaign, so the admin pages and the audit show real rows
    api.post(
        "/api/v1/time-limits",
        "admin1",
        preset="default",
        stage="accept",
        category_prefix="JT",
        amount=4,
        unit="hours",
        note="交通类工单 4 小时内签收",
    )
    api.post("/api/v1/reports/campaigns", "supervisor1", name="第四季度万件清理")
    return {
        "numbers": numbers,
        "portal_ticket": a1[0],
        "grid_ticket": grid_ticket,
        "return_ticket": jtj[0],
        "queue": numbers[11:],
    }


# ---------------------------------------------------------------- the pictures


def shoot(page, name: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"  saved {out / name}.png", flush=True)


def take_pictures(base: str, api: Api, made: dict, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def context():
            return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT)

        def logged_in(user: str, path: str, live: bool = True):
            page = context().new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", PASSWORD)
            page.fill("input[name=otp]", demo_otp(user))
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            if page.url != base + path:
                page.goto(base + path)
            if live:
                page.wait_for_selector("#live-status.on", timeout=15000)
            page.wait_for_load_state("networkidle")
            return page

        print("taking pictures", flush=True)
        page = context().new_page()
        page.goto(base + "/login")
        shoot(page, "login", out)

        # console: a call from a repeat caller pops, the agent types what the caller says
        page = logged_in("agent1", "/console")
        api.post(
            "/api/v1/cti",
            "agent1",
            event="newCall",
            **{"from": REPEAT_CALLER},
            to="12345",
            callId="shots-1",
            agent="agent1",
        )
        expect(page.locator("#call-pop")).to_be_visible(timeout=5000)
        page.fill("#f-caller", "王先生")
        page.fill("#f-address", CONSOLE_ADDRESS)
        page.locator("#f-content").press_sequentially(CONSOLE_TEXT[:30], delay=15)
        page.locator("#f-content").fill(CONSOLE_TEXT)
        page.locator("#f-content").dispatch_event("input")
        for part in ("分类", "派单建议", "类案", "知识库推荐"):
            expect(page.locator("#suggest-body")).to_contain_text(part, timeout=20000)
        page.wait_for_timeout(300)
        shoot(page, "console", out)

        page = logged_in("handler1", "/inbox")
        expect(page.locator("#inbox-body tr[data-ticket]").first).to_be_visible(timeout=10000)
        # the 临期提醒 panel: the history left the unit reminders of its overdue and nearly due tickets
        expect(page.locator("#reminder-list li.reminder").first).to_be_visible(timeout=10000)
        page.click('button[data-tab="all"]')
        expect(page.locator("#inbox-body .att-strip").first).to_be_visible(timeout=10000)
        shoot(page, "inbox", out)

        page = logged_in("grid1", "/grid")
        expect(page.locator(f'.tcard[data-ticket="{made["grid_ticket"]}"]')).to_be_visible(timeout=10000)
        shoot(page, "grid", out)

        page = logged_in("dispatcher1", "/dashboard")
        expect(page.locator("#queue tr[data-ticket]").first).to_be_visible(timeout=10000)
        expect(page.locator("#chart-category svg")).to_be_visible(timeout=10000)
        shoot(page, "dashboard", out)

        # the citizen follows the approved answer by number + phone
        page = context().new_page()
        page.goto(base + "/portal")
        page.fill("#track-form input[name=number]", made["portal_ticket"])
        page.fill("#track-form input[name=phone]", REPEAT_CALLER)
        page.click("#track-form button[type=submit]")
        expect(page.locator("#public-answer")).to_be_visible(timeout=5000)
        shoot(page, "portal", out)

        page = logged_in("supervisor1", "/reports", live=False)
        expect(page.locator("#rates-table tbody tr").first).to_be_visible(timeout=15000)
        expect(page.locator("#hot-categories svg, #hot-categories .bar, #hot-categories *").first).to_be_visible(
            timeout=15000
        )
        page.wait_for_timeout(800)
        shoot(page, "reports", out)

        page = logged_in("supervisor1", "/kb", live=False)
        shoot(page, "kb", out)

        # one ticket's page (a 退单 request with its reason and basis) and its printable 交办单
        page = logged_in("supervisor1", f"/tickets/{made['return_ticket']}", live=False)
        shoot(page, "ticket", out)
        page.goto(base + f"/tickets/{made['return_ticket']}/print")
        shoot(page, "ticket-print", out)
        page = logged_in("supervisor1", "/search?q=路灯&sort=deadline", live=False)
        expect(page.locator("#results tbody tr[data-ticket]").first).to_be_visible(timeout=5000)
        shoot(page, "search", out)
        # the dashboard's 已超期 card opens this list; all of it selected for 批量催办 / 批量督办
        page.goto(base + "/search?warning=red&open=1&sort=deadline")
        page.locator("#select-all").check()
        shoot(page, "overdue-list", out)
        for name, path, user in (
            ("admin-users", "/admin/staff", "admin1"),
            ("admin-units", "/admin/units", "admin1"),
            ("admin-time-limits", "/admin/time-limits", "admin1"),
            ("admin-categories", "/admin/categories", "admin1"),
            ("admin-models", "/admin/models", "admin1"),
            ("admin-ledger", "/admin/ledger", "supervisor1"),
            ("admin-audit", "/admin/audit", "admin1"),
        ):
            page = logged_in(user, path, live=False)
            if name == "admin-users":  # one row's edit form open (name, role, unit, seat skills)
                page.locator('tr[data-user="agent1"] details.row-edit summary').click()
            shoot(page, name, out)
        # the dispatch dialog: the proposal prefilled, the unit list filtered by pinyin initials
        page = logged_in("dispatcher1", "/dashboard")
        row = page.locator(f'#queue tr[data-ticket="{made["queue"][0]}"]')
        expect(row).to_be_visible(timeout=10000)
        row.locator('button[data-action="dispatch"]').click()
        page.locator('dialog[open] input[data-filter="unit"]').fill("dfjd")
        page.wait_for_timeout(300)
        shoot(page, "dispatch-dialog", out)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a running demo server (fresh database); default: start one")
    parser.add_argument("--port", type=int, default=5091)
    parser.add_argument("--db", type=Path, default=Path("/tmp/shots.db"))
    parser.add_argument("--models", type=Path, default=Path("/tmp/shots-models"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--model-timeout", type=float, default=600)
    args = parser.parse_args()
    proc = None
    if args.base:
        base = args.base.rstrip("/")
    else:
        proc = start_demo(args.port, args.db, args.models)
        base = f"http://127.0.0.1:{args.port}"
    try:
        wait_for_model(base, args.model_timeout, proc)
        api = Api(base)
        made = make_traffic(api, args.data)
        take_pictures(base, api, made, args.out)
    finally:
        if proc is not None:
            stop_demo(proc)


if __name__ == "__main__":
    sys.exit(main())
