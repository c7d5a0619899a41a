"""``python -m hotline.serve``: the web server with Socket.IO on 127.0.0.1:$PORT (what ``make run`` starts)."""

from __future__ import annotations

import os

from hotline.app import create_app
from hotline.core.extensions import socketio
from hotline.core.scheduler import start_in_process


def main() -> None:
    app = create_app()
    with app.app_context():
        for preload in app.extensions.get("hotline.preloaders", {}).values():
            preload()
    if not app.config["REDIS_URL"]:
        start_in_process(app)  # no worker without Redis: sweep warnings here
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"hotline12345 serving on http://{host}:{app.config['PORT']}", flush=True)
    socketio.run(app, host=host, port=app.config["PORT"], allow_unsafe_werkzeug=True, use_reloader=False)


if __name__ == "__main__":
    main()
