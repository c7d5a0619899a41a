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
