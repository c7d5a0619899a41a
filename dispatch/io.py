"""The responsibility list as an Excel workbook: export, and import with row-numbered validation."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from dispatch.ruleset import RuleInput, apply_rules, list_rules, parse_rule, unit_codes
from hotline.auth.models import User
from hotline.core.errors import DomainError

# (field, Chinese header); an import accepts either spelling in the header row.
COLUMNS = (
    ("id", "编号"),
    ("priority", "排序号"),
    ("category", "类别"),
    ("area", "区域"),
    ("kind", "诉求类型"),
    ("keywords", "关键词"),
    ("lead_unit", "主办单位"),
    ("co_units", "协办单位"),
    ("direct", "直通车"),
    ("grid_first", "网格优先"),
    ("legal_basis", "法定依据"),
    ("enabled", "启用"),
)
SHEET = "确责清单"
MAX_ROWS = 20000


def export_rules_xlsx(session: Session) -> bytes:
    """Return the whole list (enabled and disabled) as an .xlsx workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([f"{zh}（{key}）" for key, zh in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in list_rules(session):
        ws.append(
            [
                row.id,
                row.priority,
                row.category,
                row.area,
                row.kind,
                "|".join(row.keywords or []),
                row.lead_unit,
                "|".join(row.co_units or []),
                1 if row.direct else 0,
                1 if row.grid_first else 0,
                row.legal_basis,
                1 if row.enabled else 0,
            ]
        )
    for letter, width in zip("ABCDEFGHIJKL", (10, 8, 14, 14, 10, 40, 12, 16, 8, 8, 60, 6), strict=True):
        ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _header_key(value: Any) -> str | None:
    text = str(value or "").strip()
    for key, zh in COLUMNS:
        if text in (key, zh) or text == f"{zh}（{key}）" or text == f"{zh}({key})":
            return key
    return None


def read_rules_xlsx(session: Session, stream: BinaryIO) -> list[RuleInput]:
    """Read and validate every row; refuse the whole file (422) listing each bad row's number and problem."""
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except Exception:
        raise DomainError(422, "invalid_file", "无法读取文件，请上传 .xlsx 格式的确责清单") from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    keys = [_header_key(v) for v in (header or ())]
    missing = [zh for key, zh in COLUMNS if key in ("id", "priority", "lead_unit") and key not in keys]
    if missing:
        raise DomainError(422, "invalid_header", f"第 1 行表头缺少必需列：{'、'.join(missing)}")
    codes = unit_codes(session)
    parsed: list[RuleInput] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise DomainError(422, "too_many_rows", f"文件超过 {MAX_ROWS} 行")
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        raw = {k: v for k, v in zip(keys, values, strict=False) if k}
        try:
            rule = parse_rule(raw, codes)
        except ValueError as exc:
            errors.append({"row": number, "message": str(exc)})
            continue
        if rule.id in seen:
            errors.append({"row": number, "message": f"编号 {rule.id} 与第 {seen[rule.id]} 行重复"})
            continue
        seen[rule.id] = number
        parsed.append(rule)
    wb.close()
    if errors:
        listed = "；".join(f"第 {e['row']} 行：{e['message']}" for e in errors[:20])
        more = f"（另有 {len(errors) - 20} 行）" if len(errors) > 20 else ""
        raise DomainError(
            422, "invalid_rows", f"导入失败，{len(errors)} 行有误，未做任何修改。{listed}{more}", rows=errors
        )
    if not parsed:
        raise DomainError(422, "empty_file", "文件中没有确责清单条目")
    return parsed


def import_rules_xlsx(session: Session, stream: BinaryIO, actor: User | None) -> dict[str, int]:
    """Import a workbook: create new rules, update changed ones (each audited); all or nothing."""
    rules = read_rules_xlsx(session, stream)
    return apply_rules(session, rules, actor, note="Excel 导入")
