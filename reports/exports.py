"""Excel workbooks (openpyxl, write-only so a 50,000-row ledger stays fast): styled header, widths, frozen header."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reports.backlog import BUCKET_NAMES, BUCKETS, REASON_NAMES
from reports.rates import COUNTS, RATE_NAMES, RATES

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TITLE_FONT = Font(bold=True, size=13)
THIN = Side(style="thin", color="999999")
HEADER_BORDER = Border(bottom=THIN, top=THIN, left=THIN, right=THIN)
PERCENT = "0.00%"

# (key, 中文表头, width, number format)
Column = tuple[str, str, int, str | None]

LEDGER_COLUMNS: tuple[Column, ...] = (
    ("number", "工单编号", 17, None),
    ("title", "标题", 36, None),
    ("unit", "承办单位", 18, None),
    ("category", "分类", 12, None),
    ("age_days", "清理开始时已受理天数", 12, None),
    ("age_bucket", "账龄", 10, None),
    ("reasons", "列入原因", 28, None),
    ("state_name", "当前状态", 10, None),
    ("closed_at", "办结时间", 20, None),
    ("struck_off_at", "销号时间", 20, None),
)
WARNING_NAMES = {"none": "正常", "yellow": "临期", "red": "超期"}  # Excel cells are read by people, not codes
COUNT_NAMES = {
    "registered": "受理量",
    "closed_on_call": "直接答复",
    "dispatched": "派单量",
    "accepted_on_time": "及时签收",
    "returns_approved": "退单(同意)",
    "due": "应办结",
    "replied_on_time": "按时办结",
    "valid_callbacks": "有效回访",
    "contacted": "已联系",
    "resolved": "已解决",
    "satisfied": "满意",
    "callbacks_agent": "话务员回访",
    "callbacks_portal": "门户评价",
    "callbacks_citizen_link": "短信链接评价",
    "closed": "办结量",
    "reworked": "重办",
    "overdue": "超期件",
}


def sheet_title(name: str, used: set[str]) -> str:
    """Return a unique, legal sheet title (≤ 31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name or "未派单")[:28] or "表"
    title, n = base, 2
    while title in used:
        title = f"{base[:25]}({n})"
        n += 1
    used.add(title)
    return title


def _header(ws, columns: Sequence[Column], title: str | None) -> None:
    # Write-only sheets write their view with the first row: freeze before appending anything.
    ws.freeze_panes = "A3" if title else "A2"
    for index, (_, _, width, _) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if title:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = TITLE_FONT
        ws.append([cell])
    cells = []
    for _, label, _, _ in columns:
        cell = WriteOnlyCell(ws, value=label)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    ws.append(cells)


def cell_value(ws, value):
    """Return ``value`` as a workbook can store it: control characters openpyxl refuses (they made the whole
    export a 500) become U+FFFD, and text starting with ``=`` stays text, never a formula a citizen wrote."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _write_rows(ws, columns: Sequence[Column], rows: Iterable[Sequence]) -> None:
    formats = [(i, fmt) for i, (_, _, _, fmt) in enumerate(columns) if fmt]
    for values in rows:
        out: list = [cell_value(ws, v) for v in values]
        if not formats:
            ws.append(out)
            continue
        for i, fmt in formats:
            cell = out[i] if hasattr(out[i], "number_format") else WriteOnlyCell(ws, value=out[i])
            cell.number_format = fmt
            out[i] = cell
        ws.append(out)


def table_sheet(
    wb: Workbook,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    *,
    title: str | None = None,
    used: set[str] | None = None,
) -> None:
    """Add one sheet: optional title line, a styled frozen header, the rows."""
    ws = wb.create_sheet(sheet_title(name, used if used is not None else set()))
    _header(ws, columns, title)
    _write_rows(ws, columns, rows)


def save(wb: Workbook) -> bytes:
    """Return the workbook as bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _ledger_values(row: dict) -> list:
    return [
        row["number"],
        row["title"],
        row["unit"]["name"] if row["unit"] else "未派单",
        row["category"] or "",
        row["age_days"],
        row["age_bucket"],
        "、".join(REASON_NAMES[r] for r in row["reasons"]),
        row["state_name"],
        (row["closed_at"] or "")[:19].replace("T", " "),
        (row["struck_off_at"] or "")[:19].replace("T", " "),
    ]


def ledger_workbook(campaign: dict, rows: list[dict], clearance: list[dict], *, generated_at: dt.datetime) -> bytes:
    """Return the campaign's workbook: a 汇总 (totals) sheet, then one sheet per unit with its ledger rows."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    stamp = f"{campaign['name']}（开始日期 {campaign['start_date']}，导出时间 {generated_at:%Y-%m-%d %H:%M}）"
    totals_columns: tuple[Column, ...] = (
        ("unit", "承办单位", 22, None),
        ("backlog_at_start", "清理开始时积压", 14, None),
        ("closed", "已办结", 10, None),
        ("struck_off", "已销号", 10, None),
        ("remaining", "未销号", 10, None),
        ("clearance_rate", "清理率", 10, PERCENT),
    )
    total_row = [
        "合计",
        sum(c["backlog_at_start"] for c in clearance),
        sum(c["closed"] for c in clearance),
        sum(c["struck_off"] for c in clearance),
    ]
    total_row += [total_row[1] - total_row[3], (total_row[2] / total_row[1]) if total_row[1] else None]
    body = [
        [
            c["unit"]["name"] if c["unit"] else "未派单",
            c["backlog_at_start"],
            c["closed"],
            c["struck_off"],
            c["backlog_at_start"] - c["struck_off"],
            c["clearance_rate"],
        ]
        for c in clearance
    ]
    table_sheet(wb, "汇总", totals_columns, [*body, total_row], title=stamp, used=used)
    by_unit: dict = {}
    for row in rows:
        by_unit.setdefault(row["unit"]["name"] if row["unit"] else "未派单", []).append(row)
    for name, unit_rows in by_unit.items():
        table_sheet(
            wb, name, LEDGER_COLUMNS, (_ledger_values(r) for r in unit_rows), title=f"{name} · {stamp}", used=used
        )
    return save(wb)


def rates_workbook(result: dict) -> bytes:
    """Return the 三率 table as a workbook: one row per unit/category/period, then the totals."""
    by = result["by"]
    first: Column = ("key", {"unit": "单位", "category": "分类"}.get(by, "时段"), 22, None)
    columns: list[Column] = [first]
    if by == "unit":
        columns.append(("rank", "排名", 8, None))
    columns += [(name, COUNT_NAMES[name], 10, None) for name in COUNTS]
    columns += [(name, RATE_NAMES[name], 11, PERCENT) for name in RATES]

    def values(row: dict, label: str) -> list:
        out: list = [label]
        if by == "unit":
            out.append(row.get("rank"))
        return out + [row.get(n) for n in COUNTS] + [row.get(n) for n in RATES]

    rows = []
    for row in result["rows"]:
        label = row["unit"]["name"] if by == "unit" else (row.get("category") or row.get("period") or "未分类")
        rows.append(values(row, label))
    rows.append(values(result["totals"], "合计"))
    wb = Workbook(write_only=True)
    period = result["period"]
    table_sheet(wb, "三率统计", columns, rows, title=f"统计区间 {period['from']} 至 {period['to']}")
    return save(wb)


def backlog_workbook(rows: list[dict], summary: dict, *, generated_at: dt.datetime) -> bytes:
    """Return the backlog as a workbook: a summary by unit × age bucket, then every ticket."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    columns: list[Column] = [("unit", "承办单位", 22, None), ("total", "合计", 10, None)]
    columns += [(b, BUCKET_NAMES[b], 11, None) for b in BUCKETS]
    columns += [(r, REASON_NAMES[r], 14, None) for r in REASON_NAMES]
    body = [
        [
            e["unit"]["name"] if e["unit"] else "未派单",
            e["total"],
            *(e[b] for b in BUCKETS),
            *(e[r] for r in REASON_NAMES),
        ]
        for e in summary["by_unit"]
    ]
    body.append(["合计", summary["total"], *summary["by_bucket"].values(), *summary["by_reason"].values()])
    table_sheet(wb, "汇总", columns, body, title=f"积压工单（截至 {generated_at:%Y-%m-%d %H:%M}）", used=used)
    detail: tuple[Column, ...] = (
        ("number", "工单编号", 17, None),
        ("title", "标题", 36, None),
        ("unit", "承办单位", 18, None),
        ("category", "分类", 12, None),
        ("state_name", "状态", 10, None),
        ("warning", "预警", 8, None),
        ("age_days", "已受理天数", 10, None),
        ("age_bucket", "账龄", 10, None),
        ("reasons", "原因", 28, None),
    )
    table_sheet(
        wb,
        "明细",
        detail,
        (
            [
                r["number"],
                r["title"],
                r["unit"]["name"] if r["unit"] else "未派单",
                r["category"] or "",
                r["state_name"],
                WARNING_NAMES.get(r["warning"], r["warning"]),
                r["age_days"],
                r["age_bucket"],
                "、".join(r["reason_names"]),
            ]
            for r in rows
        ),
        used=used,
    )
    return save(wb)


def hotspots_workbook(result: dict) -> bytes:
    """Return hot spots as a workbook: categories, areas, surges, 类案."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    table_sheet(
        wb,
        "热点分类",
        (("category", "分类", 16, None), ("count", "件数", 10, None)),
        ([r["category"] or "未分类", r["count"]] for r in result["top_categories"]),
        used=used,
    )
    table_sheet(
        wb,
        "热点区域",
        (("area", "区域/地址", 30, None), ("count", "件数", 10, None)),
        ([r["area"], r["count"]] for r in result["top_areas"]),
        used=used,
    )
    table_sheet(
        wb,
        "环比激增",
        (
            ("category", "分类", 16, None),
            ("this_week", "本周", 10, None),
            ("baseline", "前4周均值", 12, None),
            ("z", "z 值", 10, None),
            ("explanation", "说明", 60, None),
        ),
        ([r["category"], r["this_week"], r["baseline"], r["z"], r["explanation"]] for r in result["surges"]),
        used=used,
    )
    table_sheet(
        wb,
        "类案",
        (("label", "类案标签", 30, None), ("size", "件数", 8, None), ("members", "工单编号", 80, None)),
        ([c["label"], c["size"], "、".join(c["members"])] for c in result["clusters"]),
        used=used,
    )
    return save(wb)
