"""Small, explicit parsing of JSON bodies into typed values with Chinese error messages."""

from __future__ import annotations

from typing import Any

from flask import Request

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
    import json

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


def get_int(body: dict[str, Any], name: str, *, required: bool = False, minimum: int = 0, maximum: int = 10**6) -> int | None:
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
