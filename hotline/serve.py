"""``python -m hotline.serve``: the web server with Socket.IO on $HOST:$PORT (what ``make run`` starts).

With ``REDIS_URL`` (production: jobs run in rq workers) it serves with gevent's WSGI server: a greenlet per
socket instead of an OS thread, so thousands of connected consoles and inboxes stay cheap, and about a third
less CPU per live-event fan-out (``bench/socket_latency.py``). Without Redis it serves with threads: jobs then
run inside the web process (a retrain takes ~20 s of CPU) and SQLite calls block, and under gevent either would
stall every other connection. ``HOTLINE_ASYNC_MODE=gevent|threading`` overrides. gevent needs its
monkey-patching before anything imports socket or threading, so it happens here, first; psycopg and redis-py
then wait on the gevent hub.

Neither mode uses Werkzeug's development server: threads are served by gunicorn's threaded worker (one worker
process: without Redis the jobs, the scheduler and the Socket.IO rooms live in it), whose sockets
simple-websocket upgrades for Socket.IO.
"""

from __future__ import annotations

import os

ASYNC_MODE = os.environ.get("HOTLINE_ASYNC_MODE") or ("gevent" if os.environ.get("REDIS_URL") else "threading")
if ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

from flask import Flask  # noqa: E402 (after the monkey-patching, on purpose)

from hotline.app import create_app  # noqa: E402
from hotline.core.extensions import socketio  # noqa: E402
from hotline.core.gevent_server import nodelay_handler  # noqa: E402
from hotline.core.scheduler import start_in_process  # noqa: E402
from hotline.core.wiring import run_preloaders  # noqa: E402

# One thread per open Socket.IO connection (a websocket holds its thread) plus the requests in flight.
THREADS = int(os.environ.get("HOTLINE_THREADS") or 100)


def build_app() -> Flask:
    """Create the app, preload what the first request would wait for, start in-process periodic jobs."""
    app = create_app({"HOTLINE_ASYNC_MODE": ASYNC_MODE})
    with app.app_context():
        run_preloaders(app)
    if not app.config["REDIS_URL"]:
        start_in_process(app)  # no worker without Redis: sweep warnings here
    return app


def serve_threads(host: str, port: int) -> None:
    """Serve with gunicorn's threaded worker; the app is built in the worker (threads do not survive a fork)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": THREADS,
                "graceful_timeout": 5,
                "timeout": 120,
                "keepalive": 5,
                "control_socket_disable": True,
            }  # several servers may run on one machine
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return build_app()

    Server().run()


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT") or 5000)
    print(f"hotline12345 serving on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    if ASYNC_MODE == "gevent":
        # gevent's pywsgi server (Flask-SocketIO passes handler_class on to it)
        socketio.run(build_app(), host=host, port=port, use_reloader=False, handler_class=nodelay_handler())
    else:
        serve_threads(host, port)


if __name__ == "__main__":
    main()
