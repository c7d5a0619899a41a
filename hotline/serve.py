"""``python -m hotline.serve``: the web server with Socket.IO on 127.0.0.1:$PORT (what ``make run`` starts).

With ``REDIS_URL`` (production: jobs run in rq workers) it serves with gevent: a greenlet per socket instead
of an OS thread, so thousands of connected consoles and inboxes stay cheap, and about a third less CPU per
live-event fan-out (``bench/socket_latency.py``). Without Redis it serves with threads: jobs then run inside
the web process (a retrain takes ~20 s of CPU) and SQLite calls block, and under gevent either would stall
every other connection. ``HOTLINE_ASYNC_MODE=gevent|threading`` overrides. gevent needs its monkey-patching
before anything imports socket or threading, so it happens here, first; psycopg and redis-py then wait on the
gevent hub.
"""

from __future__ import annotations

import os

ASYNC_MODE = os.environ.get("HOTLINE_ASYNC_MODE") or ("gevent" if os.environ.get("REDIS_URL") else "threading")
if ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

from hotline.app import create_app  # noqa: E402 (after the monkey-patching, on purpose)
from hotline.core.extensions import socketio  # noqa: E402
from hotline.core.scheduler import start_in_process  # noqa: E402


def main() -> None:
    app = create_app({"HOTLINE_ASYNC_MODE": ASYNC_MODE})
    with app.app_context():
        for preload in app.extensions.get("hotline.preloaders", {}).values():
            preload()
    if not app.config["REDIS_URL"]:
        start_in_process(app)  # no worker without Redis: sweep warnings here
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"hotline12345 serving on http://{host}:{app.config['PORT']} ({ASYNC_MODE})", flush=True)
    socketio.run(app, host=host, port=app.config["PORT"], allow_unsafe_werkzeug=True, use_reloader=False)


if __name__ == "__main__":
    main()
