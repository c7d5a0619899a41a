"""Security headers on every response: no framing, no MIME sniffing, scripts only from our own files.

The pages keep every script in ``static/`` (data travels in ``<script type="application/json">`` blocks and
``data-`` attributes), so the Content-Security-Policy can refuse inline and foreign scripts: an injected
``<script>`` in a citizen's text would not run even if an escape were ever missed. Responses other than
static files carry ``Cache-Control: no-store``: tickets hold personal data that no proxy or shared
browser cache should keep.
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # style attributes only; they cannot run code
        "img-src 'self' data:",
        "connect-src 'self'",  # the API and the Socket.IO websocket on this origin
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def trust_proxies(app: Flask) -> None:
    """Believe ``HOTLINE_PROXY_HOPS`` reverse proxies about the client's address and scheme."""
    hops = app.config["HOTLINE_PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session whose ``Secure`` flag follows ``SESSION_COOKIE_SECURE`` (None = by request)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config.get("SESSION_COOKIE_SECURE")
        if setting is None:
            # Set over HTTPS, the cookie is marked Secure, so the browser never sends it over plain HTTP.
            return has_request_context() and request.is_secure
        return bool(setting)


def secure_session_cookie(app: Flask) -> None:
    """Mark the session cookie ``Secure`` as configured (see ``SESSION_COOKIE_SECURE`` in the config)."""
    app.session_interface = _SessionInterface()
