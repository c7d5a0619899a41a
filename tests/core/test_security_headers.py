"""Security headers: every response refuses framing and sniffing; only static files may be cached."""

from __future__ import annotations


def test_api_and_pages_carry_the_headers_and_are_not_cached(app, api):
    for response in (api.get("/api/v1/me", as_="agent1"), app.test_client().get("/login")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(app):
    response = app.test_client().get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def _address_app(hops: int):
    from flask import Flask, request

    from hotline.core.security import trust_proxies

    app = Flask(__name__)
    app.config["HOTLINE_PROXY_HOPS"] = hops
    app.add_url_rule("/address", "address", lambda: request.remote_addr or "")
    trust_proxies(app)
    return app.test_client()


def test_behind_a_proxy_limits_see_the_citizens_address_not_the_proxys():
    """Rate limits and login throttling key on remote_addr: behind nginx it must be the client's."""
    forwarded = {"headers": {"X-Forwarded-For": "203.0.113.7"}, "environ_base": {"REMOTE_ADDR": "10.0.0.1"}}
    assert _address_app(1).get("/address", **forwarded).get_data(as_text=True) == "203.0.113.7"
    # Without a proxy configured, a client's own X-Forwarded-For is not believed.
    assert _address_app(0).get("/address", **forwarded).get_data(as_text=True) == "10.0.0.1"
