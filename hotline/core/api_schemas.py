"""Request schemas of the public API, declared once: they parse what a view accepts and make the OpenAPI document.

Why pydantic v2 and no framework around it: spectree and flask-openapi3 would each take over routing and answer
bad input in their own error shape; marshmallow + apispec/flask-smorest likewise brings its own blueprints.
Here a view keeps its Flask route and its role guard and adds ``@accepts(Model)`` (a JSON body),
``@accepts_form(Model)`` (an upload, ``multipart/form-data``) or ``@query_params(Model)`` (query-string
parameters). The decorator parses before the view runs (after the role guard, so an anonymous caller still
gets 401, not 422), hands the model to the view as ``body=`` / ``args=``, and
records the model on the view, where ``hotline.core.openapi`` reads it: the document's ``components.schemas``
are the models' own ``model_json_schema`` — what the code enforces, not a copy of it.

One error shape and one status per kind of bad input (``{error: {code, message, details: {field}}}``):
- no body where one is required → 400 ``empty_body``; not JSON → 415 ``unsupported_media_type``; malformed
  JSON or not an object → 400 ``invalid_json`` (``json_body``);
- a field that is missing, of the wrong type, too long, out of range or not one of its choices → 422 with
  ``missing_field``/``invalid_type``/``too_long``/``too_many``/``out_of_range``/``invalid_choice`` and a
  Chinese message naming the field;
- control characters (NUL …) anywhere → 422 ``control_character`` (``register_input_hygiene``, before any view).

Strings are trimmed and a blank string counts as absent, as the hand parsing did. JSON bodies are validated in
strict mode (``"5"`` is not an integer, ``1`` is not ``true``); query strings, which are text, in lax mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar

from flask import Request, request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage

from hotline.core.errors import ApiError
from hotline.core.validation import json_body

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable)


class ApiModel(BaseModel):
    """A JSON request body: strict types, unknown keys ignored (clients may send more than a view reads)."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class QueryModel(BaseModel):
    """Query-string parameters: text converted to the declared types (lax), unknown parameters ignored."""

    model_config = ConfigDict(strict=False, extra="ignore", frozen=True, populate_by_name=True)


class FormModel(BaseModel):
    """A ``multipart/form-data`` body: text fields converted (lax), files as uploaded, unknown fields ignored."""

    model_config = ConfigDict(strict=False, extra="ignore", frozen=True, arbitrary_types_allowed=True)


def _uploaded(value: Any) -> FileStorage:
    if isinstance(value, FileStorage) and value.filename:
        return value
    raise PydanticCustomError(
        "missing_file", "File required", {"code": "missing_file", "message": "请选择要上传的文件（字段 {field}）"}
    )


# A file field of a form; the document shows it as binary, as OpenAPI spells an upload.
UploadedFile = Annotated[FileStorage, PlainValidator(_uploaded), WithJsonSchema({"type": "string", "format": "binary"})]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _required_text(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None:
        raise PydanticCustomError("missing", "Field required")
    return value


def optional_text(max_length: int, *, pattern: str | None = None) -> Any:
    """An optional trimmed string of at most ``max_length`` characters; blank counts as absent."""
    return Annotated[
        Annotated[str, StringConstraints(max_length=max_length, pattern=pattern)] | None,
        BeforeValidator(_blank_to_none),
    ]


def required_text(max_length: int) -> Any:
    """A required trimmed string of 1..``max_length`` characters (blank counts as missing)."""
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length), BeforeValidator(_required_text)]


def choice(values: tuple[str, ...] | list[str]) -> Any:
    """An optional string that must be one of ``values`` (blank counts as absent)."""
    return Annotated[Literal[tuple(values)] | None, BeforeValidator(_blank_to_none)]  # type: ignore[valid-type]


def required_choice(values: tuple[str, ...] | list[str]) -> Any:
    """A required string that must be one of ``values``."""
    return Annotated[Literal[tuple(values)], BeforeValidator(_required_text)]  # type: ignore[valid-type]


def text_list(max_items: int, max_length: int = 200) -> Any:
    """A list of non-blank strings (trimmed), at most ``max_items`` of them."""
    item = Annotated[str, StringConstraints(min_length=1, max_length=max_length), BeforeValidator(_blank_to_none)]
    return Annotated[list[item], Field(max_length=max_items)]  # type: ignore[valid-type]


def raw_required_text(max_length: int) -> Any:
    """A required string kept exactly as sent (not trimmed: offsets into it matter); blank counts as missing."""

    def _present(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticCustomError("missing", "Field required")
        return value

    return Annotated[str, StringConstraints(min_length=1, max_length=max_length), BeforeValidator(_present)]


def _iso_date(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Input should be a date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_parsing", "Input should be a valid date") from None


# An optional calendar date written YYYY-MM-DD (blank counts as absent).
IsoDate = Annotated[dt.date | None, BeforeValidator(_iso_date)]


def whole(minimum: int, maximum: int) -> Any:
    """An optional integer within ``minimum..maximum``."""
    return Annotated[int, Field(ge=minimum, le=maximum)] | None


# --- pydantic's errors in the project's one shape -----------------------------------------------------------

_TYPE_WORDS = {
    "string_type": "字符串",
    "int_type": "整数",
    "int_parsing": "整数",
    "int_from_float": "整数",
    "bool_type": " true 或 false",
    "bool_parsing": " true 或 false",
    "list_type": "数组",
    "dict_type": "JSON 对象",
    "model_type": "JSON 对象",
    "model_attributes_type": "JSON 对象",
}


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif part in ("str", "int", "bool", "list", "none") and name:
            continue  # the branch of a union, not a key of the input
        else:
            name = f"{name}.{part}" if name else str(part)
    return name or "请求体"


def api_error(exc: ValidationError) -> ApiError:
    """Return the 422 that says what is wrong with the first bad field of ``exc``."""
    error = exc.errors(include_url=False)[0]
    kind, field, ctx = error["type"], _field_name(error["loc"]), error.get("ctx") or {}
    if "code" in ctx and "message" in ctx:  # a package's own type (PydanticCustomError) names its code and words
        return ApiError(422, ctx["code"], ctx["message"].format(field=field), field=field)
    if kind in ("missing", "too_short"):  # absent, blank, or an empty list where at least one item is needed
        return ApiError(422, "missing_field", f"缺少必填字段：{field}", field=field)
    if kind.startswith("date_"):
        return ApiError(422, "invalid_date", f"字段 {field} 须为 YYYY-MM-DD 格式的日期", field=field)
    if kind == "extra_forbidden":
        return ApiError(422, "invalid_field", f"不可提交的字段：{field}", field=field)
    if kind in _TYPE_WORDS:
        return ApiError(422, "invalid_type", f"字段 {field} 必须是{_TYPE_WORDS[kind]}", field=field)
    if kind == "string_too_long":
        return ApiError(422, "too_long", f"字段 {field} 超过 {ctx.get('max_length')} 字", field=field)
    if kind == "string_too_short":
        return ApiError(422, "missing_field", f"缺少必填字段：{field}", field=field)
    if kind == "too_long":
        return ApiError(422, "too_many", f"字段 {field} 最多 {ctx.get('max_length')} 项", field=field)
    if kind in ("greater_than_equal", "greater_than"):
        return ApiError(422, "out_of_range", f"字段 {field} 不能小于 {ctx.get('ge', ctx.get('gt'))}", field=field)
    if kind in ("less_than_equal", "less_than"):
        return ApiError(422, "out_of_range", f"字段 {field} 不能大于 {ctx.get('le', ctx.get('lt'))}", field=field)
    if kind in ("literal_error", "enum"):
        choices = str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
        return ApiError(422, "invalid_choice", f"字段 {field} 的取值无效，可选：{choices}", field=field)
    if kind == "string_pattern_mismatch":
        return ApiError(422, "invalid_format", f"字段 {field} 的格式不正确", field=field)
    return ApiError(422, "invalid_value", f"字段 {field} 的取值无效", field=field)


def parse(model: type[M], req: Request, *, required: bool = True) -> M:
    """Parse ``req``'s JSON body into ``model``, or refuse with the one error shape (400/415/422)."""
    body = json_body(req, required=required)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise api_error(exc) from None


def parse_query(model: type[M], req: Request) -> M:
    """Parse ``req``'s query string into ``model`` (repeated parameters: the first counts), or refuse with 422."""
    try:
        return model.model_validate({k: v for k, v in req.args.items() if v != ""})
    except ValidationError as exc:
        raise api_error(exc) from None


def parse_form(model: type[M], req: Request) -> M:
    """Parse ``req``'s form fields and files into ``model`` (a ``FormModel``), or refuse with 422."""
    data: dict[str, Any] = {k: v for k, v in req.form.items() if v != ""}
    for name, field in model.model_fields.items():
        if field.annotation is FileStorage:
            data[name] = req.files.get(name)  # absent: the field's own missing_file, not a bare "missing"
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise api_error(exc) from None


def accepts_form(model: type[FormModel], *, before: Callable[[], None] | None = None) -> Callable[[F], F]:
    """Parse a ``multipart/form-data`` body into ``model`` and pass it as ``body=``; the document reads the model.

    ``before`` runs first: an upload sets its own body limit before anything reads the form.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if before is not None:
                before()
            return view(*args, body=parse_form(model, request), **kwargs)

        wrapper.request_model = model  # type: ignore[attr-defined]
        wrapper.request_required = True  # type: ignore[attr-defined]
        wrapper.request_media = "multipart/form-data"  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def accepts(model: type[ApiModel], *, required: bool = True) -> Callable[[F], F]:
    """Parse the JSON body into ``model`` and pass it to the view as ``body=``; the document reads the model."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, body=parse(model, request, required=required), **kwargs)

        wrapper.request_model = model  # type: ignore[attr-defined]
        wrapper.request_required = required  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def query_params(model: type[QueryModel]) -> Callable[[F], F]:
    """Parse the query string into ``model`` and pass it to the view as ``args=``; the document reads the model."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, args=parse_query(model, request), **kwargs)

        wrapper.query_model = model  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def returns(model: type[BaseModel], *statuses: str, files: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Record what the view answers on success (``statuses``, default ``"200"``) for the document.

    ``files``: media types the same answer may come as instead of JSON (a report's ``format=xlsx`` workbook).
    Not checked on every response at run time: the suite's schemathesis run checks each answer against it.
    """

    def decorator(view: F) -> F:
        recorded = dict(getattr(view, "response_models", {}))
        for status in statuses or ("200",):
            recorded[status] = model
        view.response_models = recorded  # type: ignore[attr-defined]
        view.response_files = files  # type: ignore[attr-defined]
        return view

    return decorator


class ResponseModel(BaseModel):
    """An answer the API gives: the fields it always carries; more may follow (``additionalProperties``)."""

    model_config = ConfigDict(extra="allow")


# --- what every refusal looks like (documented as the 4XX response of every operation) ----------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="英文错误码，如 missing_field")
    message: str = Field(description="中文说明")
    details: dict[str, Any] | None = Field(default=None, description="如出错的字段 field")


class Error(BaseModel):
    """Every refusal of the API."""

    error: ErrorDetail
