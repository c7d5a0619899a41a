"""API errors: every refusal is JSON ``{"error": {"code", "message"}}`` with a Chinese message."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A refusal a client can act on: HTTP status, an English code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class DomainError(ApiError):
    """A refusal raised by a service; views let it through unchanged."""


def not_found(what: str = "资源") -> ApiError:
    """Return the 404 that hides whether something exists outside the caller's scope."""
    return ApiError(404, "not_found", f"{what}不存在或无权查看")


_HTTP_MESSAGES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请使用 JSON 格式提交"),
    429: ("too_many_requests", "请求过于频繁"),
    500: ("internal_error", "服务器内部错误，请稍后重试"),
    503: ("unavailable", "系统繁忙或正在恢复，请稍后重试"),
}


# What a page (not an API) shows for an HTTP error: a heading and a sentence, never Werkzeug's English page.
_PAGE_MESSAGES = {
    400: ("请求有误", "提交的内容格式不正确，请返回重试。"),
    403: ("无权访问", "当前账号无权打开此页面。"),
    404: ("页面不存在", "您要找的页面或工单不存在，或当前账号无权查看。"),
    405: ("操作不支持", "此页面不支持这种操作。"),
    413: ("内容过大", "提交的内容超过了允许的大小。"),
    429: ("操作过于频繁", "请稍后再试。"),
    500: ("系统出错了", "服务器内部错误，请稍后重试；问题持续时请联系系统管理员。"),
}


def error_page(status: int, detail: str | None = None):
    """Return the Chinese HTML page for ``status`` with a link back to the user's workspace."""
    heading, message = _PAGE_MESSAGES.get(status, ("请求未能完成", "请返回重试。"))
    message = detail or message
    me, home, home_label = None, "/", "返回首页"
    try:
        from hotline.auth.api import current_user
        from hotline.auth.roles import LANDING_PAGES

        me = current_user()
        if me is not None:
            home, home_label = LANDING_PAGES[me.role_enum], "返回我的工作台"
    except Exception:  # an error page must render even when the database is what failed
        me = None
    return render_template(
        "error.html", status=status, heading=heading, message=message, me=me, home=home, home_label=home_label
    ), status


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/")) or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    """Answer API errors as JSON and page errors as Chinese HTML pages."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        if not _wants_json():
            return error_page(exc.status, exc.message)
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _wants_json():
            if exc.code is None or exc.code < 400 or exc.code == 401:
                return exc
            return error_page(exc.code)
        code, message = _HTTP_MESSAGES.get(exc.code or 500, ("http_error", exc.name))
        return jsonify({"error": {"code": code, "message": message}}), exc.code

    register_unavailable_handler(app)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        return _internal_error(app, exc)


def _internal_error(app: Flask, exc: Exception):
    app.logger.exception("unhandled error", exc_info=exc)
    from hotline.core.extensions import db

    db.session.rollback()
    code, message = _HTTP_MESSAGES[500]
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message}}), 500
    return error_page(500)


def register_unavailable_handler(app: Flask) -> None:
    """Answer a lost database (a restart, a failover, a pool wait past its timeout) with a clear 503.

    The request did not commit (or, if it did, the intake is idempotent and the outbox keeps its effects), so
    the client may send it again; ``Retry-After`` says when.
    """
    from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, PendingRollbackError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    def _lost(exc: Exception) -> bool:
        if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout | PendingRollbackError):
            return True
        # e.g. "terminating connection due to administrator command" surfacing as another DBAPI error class
        return isinstance(exc, DBAPIError) and (exc.connection_invalidated or _driver_lost(exc.orig))

    def _unavailable(exc: Exception):
        if not _lost(exc):
            return _internal_error(app, exc)
        app.logger.warning("database unavailable: %s", type(exc).__name__)
        from hotline.core.extensions import db

        try:
            db.session.rollback()
        except Exception:
            app.logger.debug("rollback failed while the database is unavailable", exc_info=True)
        code, message = _HTTP_MESSAGES[503]
        headers = {"Retry-After": "2"}
        if _wants_json():
            return jsonify({"error": {"code": code, "message": message}}), 503, headers
        page, status = error_page(503)
        return page, status, headers

    for kind in (DBAPIError, DisconnectionError, PoolTimeout, PendingRollbackError):
        app.register_error_handler(kind, _unavailable)


def _driver_lost(orig: BaseException | None) -> bool:
    try:
        import psycopg
    except ImportError:  # another driver: only SQLAlchemy's classification counts
        return False
    return isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError)
