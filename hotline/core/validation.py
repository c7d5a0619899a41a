"""Small, explicit parsing of JSON bodies into typed values with Chinese error messages."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from hotline.core.errors import ApiError


def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """Return the request's JSON object, or refuse with 400/415."""
    if not request.get_data(cache=True):
        if required:
            raise ApiError(400, "empty_body", "请求体不能为空")
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "请使用 application/json 提交")
    try:
        raw = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_utf8", "请求内容不是有效的 UTF-8 编码") from exc
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "invalid_json", "请求内容不是有效的 JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "请求体必须是 JSON 对象")
    return body


def get_str(
    body: dict[str, Any],
    name: str,
    *,
    required: bool = False,
    max_length: int = 2000,
    choices: tuple[str, ...] | None = None,
) -> str | None:
    """Return a trimmed string field, or refuse with 422."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(422, "missing_field", f"缺少必填字段：{name}", field=name)
        return None
    if not isinstance(value, str):
        raise ApiError(422, "invalid_type", f"字段 {name} 必须是字符串", field=name)
    value = value.strip()
    if len(value) > max_length:
        raise ApiError(422, "too_long", f"字段 {name} 超过 {max_length} 字", field=name)
    if choices is not None and value not in choices:
        raise ApiError(422, "invalid_choice", f"字段 {name} 的取值无效，可选：{'、'.join(choices)}", field=name)
    return value


def get_int(
    body: dict[str, Any], name: str, *, required: bool = False, minimum: int = 0, maximum: int = 10**6
) -> int | None:
    """Return an integer field within bounds, or refuse with 422."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(422, "missing_field", f"缺少必填字段：{name}", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, "invalid_type", f"字段 {name} 必须是整数", field=name)
    if not minimum <= value <= maximum:
        raise ApiError(422, "out_of_range", f"字段 {name} 须在 {minimum} 到 {maximum} 之间", field=name)
    return value


def get_bool(body: dict[str, Any], name: str, *, required: bool = False) -> bool | None:
    """Return a boolean field, or refuse with 422."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(422, "missing_field", f"缺少必填字段：{name}", field=name)
        return None
    if not isinstance(value, bool):
        raise ApiError(422, "invalid_type", f"字段 {name} 必须是 true 或 false", field=name)
    return value


def get_str_list(body: dict[str, Any], name: str, *, max_items: int = 20) -> list[str]:
    """Return a list of strings (empty when absent), or refuse with 422."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ApiError(422, "invalid_type", f"字段 {name} 必须是字符串数组", field=name)
    if len(value) > max_items:
        raise ApiError(422, "too_many", f"字段 {name} 最多 {max_items} 项", field=name)
    return [v.strip() for v in value]


# --- hygiene at the edge: one rule for every input of every route ---------------------------------------------
#
# Decided once, applied before any view runs (``register_input_hygiene``):
# - NUL and the other C0 control characters (except tab, newline, carriage return) and DEL are REFUSED with 422
#   ``control_character`` in query strings, path segments and JSON bodies (keys and values, at any depth):
#   those come from programs, which must learn their input is wrong. PostgreSQL cannot store NUL at all.
# - In HTML form posts (the portal, the staff pages, Open311's form encoding) they are STRIPPED: a person who
#   pasted text from a word processor expects the text, not an error about characters they cannot see.
# - Numbers: ``page`` must be 1..MAX_PAGE, and ``limit``/``offset``/``old``/``new`` 0..MAX_INT (the column
#   range of an INTEGER id), else 422; ``<int:…>`` in a route only matches 1..MAX_INT (else 404).

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_INT = 2**31 - 1
MAX_PAGE = 10**6
BOUNDED_ARGS = {
    "page": (1, MAX_PAGE),
    "limit": (0, MAX_INT),
    "offset": (0, MAX_INT),
    "old": (0, MAX_INT),
    "new": (0, MAX_INT),
}


def _refuse_control(name: str) -> ApiError:
    return ApiError(422, "control_character", f"字段 {name} 含有不可见的控制字符（如 NUL），请删除后重试", field=name)


def _check_json(value: Any, name: str) -> None:
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            raise _refuse_control(name)
    elif isinstance(value, dict):
        for key, item in value.items():
            if CONTROL_CHARACTERS.search(key):
                raise _refuse_control(name or "JSON 键")
            _check_json(item, key if not name else f"{name}.{key}")
    elif isinstance(value, list):
        for item in value:
            _check_json(item, name)


def check_request_input(request: Request) -> None:
    """Refuse (422) or strip control characters and out-of-range numbers in every part of ``request``."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise _refuse_control(name)
    for name, value in request.args.items(multi=True):
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            raise _refuse_control(name)
        if name in BOUNDED_ARGS and value.strip():
            low, high = BOUNDED_ARGS[name]
            text = value.strip()
            if not text.isdigit() or not low <= int(text) <= high:
                raise ApiError(422, "out_of_range", f"参数 {name} 须为 {low} 到 {high} 之间的整数", field=name)
    # Forms only outside the JSON API: reading a form consumes the body the JSON views would refuse with 415.
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and not request.path.startswith(
        "/api/"
    ):
        form = request.form
        if any(CONTROL_CHARACTERS.search(k) or CONTROL_CHARACTERS.search(v) for k, v in form.items(multi=True)):
            request.form = ImmutableMultiDict(  # type: ignore[misc]
                [(CONTROL_CHARACTERS.sub("", k), CONTROL_CHARACTERS.sub("", v)) for k, v in form.items(multi=True)]
            )
    elif request.is_json and request.get_data(cache=True):
        _check_json(request.get_json(silent=True), "")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to the range of an INTEGER primary key: a bigger id is simply not found (404)."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def register_input_hygiene(app: Flask) -> None:
    """Install the bounded ``int`` converter (before any route is added) and the check before every view."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _hygiene() -> None:
        check_request_input(request)
