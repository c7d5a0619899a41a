"""The month's 考评 as a workbook in the form a 通报 uses: the ranked table, 红黑榜, then the tickets behind it."""

from __future__ import annotations

from openpyxl import Workbook

from reports.exports import PERCENT, Column, save, table_sheet


def assessment_workbook(result: dict, board: dict) -> bytes:
    """Return the 通报 workbook of a scored month."""
    scheme = result["scheme"]
    first = result["rows"][0]["items"] if result["rows"] else []
    columns: list[Column] = [("rank", "排名", 6, None), ("unit", "单位", 22, None), ("score", "得分", 9, "0.00")]
    for item in first:
        if item["kind"] == "measure":
            columns += [(item["measure"], item["name"], 9, PERCENT), (item["measure"] + "_p", "得分", 8, "0.00")]
        else:
            columns += [(item["measure"], f"{item['name']}(件)", 9, None), (item["measure"] + "_p", "分值", 8, "0.00")]
    columns.append(("note", "备注", 36, None))

    def values(row: dict) -> list:
        out: list = [row["rank"] if row["rank"] is not None else "—", row["unit"]["name"], row["score"]]
        for item in row["items"]:
            out += [item["value"], item["points"]]
        out.append(row.get("rank_reason") or "")
        return out

    state = "已结账" if result["closed"] else "未结账（实时计算）"
    title = (
        f"{result['month']} 12345热线承办单位考评通报 · {scheme['name']}（第 {scheme['version']} 版，"
        f"满分 {scheme['max_score']:g}，{state}）"
    )
    wb = Workbook(write_only=True)
    used: set[str] = set()
    table_sheet(wb, "考评通报", columns, (values(r) for r in result["rows"]), title=title, used=used)
    board_columns: tuple[Column, ...] = (
        ("list", "榜单", 8, None),
        ("rank", "排名", 6, None),
        ("unit", "单位", 22, None),
        ("score", "得分", 9, "0.00"),
    )
    body = [["红榜", r["rank"], r["unit"]["name"], r["score"]] for r in board["red"]]
    body += [["黑榜", r["rank"], r["unit"]["name"], r["score"]] for r in board["black"]]
    table_sheet(
        wb, "红黑榜", board_columns, body, title=f"{result['month']} 红黑榜（前后各 {board['size']} 名）", used=used
    )
    detail: tuple[Column, ...] = (
        ("unit", "单位", 22, None),
        ("item", "考评项", 12, None),
        ("points", "分值", 8, "0.00"),
        ("explanation", "计算", 48, None),
        ("numbers", "涉及工单", 80, None),
    )
    lines = (
        [r["unit"]["name"], i["name"], i["points"], i["explanation"], "、".join(i["numbers"]["numerator"])]
        for r in result["rows"]
        for i in r["items"]
    )
    table_sheet(wb, "得分明细", detail, lines, used=used)
    return save(wb)
