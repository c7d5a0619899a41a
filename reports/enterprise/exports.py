"""The enterprise ledger and the monthly 营商环境 report as workbooks."""

from __future__ import annotations

from openpyxl import Workbook

from reports.exports import PERCENT, Column, save, table_sheet

LEDGER_COLUMNS: tuple[Column, ...] = (
    ("enterprise", "企业名称", 28, None),
    ("credit_code", "统一社会信用代码", 22, None),
    ("number", "工单编号", 17, None),
    ("title", "诉求", 36, None),
    ("unit", "承办单位", 18, None),
    ("state_name", "状态", 10, None),
    ("satisfaction_name", "回访结果", 10, None),
    ("struck_off", "是否销号", 8, None),
    ("struck_off_at", "销号时间", 20, None),
)


def ledger_workbook(rows: list[dict], *, title: str) -> bytes:
    """Return the ledger (台账), one row per 涉企 ticket, grouped by enterprise."""
    wb = Workbook(write_only=True)
    table_sheet(
        wb,
        "涉企台账",
        LEDGER_COLUMNS,
        (
            [
                r["enterprise"] or "（未登记企业）",
                r["credit_code"] or "",
                r["number"],
                r["title"],
                r["unit"]["name"] if r["unit"] else "未派单",
                r["state_name"],
                r["satisfaction_name"] or "",
                "已销号" if r["struck_off"] else "未销号",
                (r["struck_off_at"] or "")[:19].replace("T", " "),
            ]
            for r in rows
        ),
        title=title,
    )
    return save(wb)


def report_workbook(report: dict, month: str) -> bytes:
    """Return the monthly 营商环境 report: the summary, then the repeat enterprises."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    columns: tuple[Column, ...] = (("name", "指标", 18, None), ("value", "数值", 12, None))
    summary = [
        ["涉企诉求量", report["volume"]],
        ["涉及企业数", report["enterprises"]],
        ["办结量", report["closed"]],
        ["销号量", report["struck_off"]],
        ["有效回访", report["valid_callbacks"]],
        ["已解决", report["resolved"]],
        ["满意", report["satisfied"]],
    ]
    table_sheet(wb, "汇总", columns, summary, title=f"{month} 营商环境专席月报", used=used)
    table_sheet(
        wb,
        "三率",
        (("name", "指标", 18, None), ("value", "比率", 12, PERCENT)),
        [["解决率", report["resolution_rate"]], ["满意率", report["satisfaction_rate"]]],
        used=used,
    )
    table_sheet(
        wb,
        "重复诉求企业",
        (
            ("enterprise", "企业名称", 28, None),
            ("credit_code", "统一社会信用代码", 22, None),
            ("count", "件数", 8, None),
            ("numbers", "工单编号", 60, None),
        ),
        (
            [r["enterprise"], r["credit_code"], r["count"], "、".join(r["numbers"])]
            for r in report["repeat_enterprises"]
        ),
        used=used,
    )
    return save(wb)
