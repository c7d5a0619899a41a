"""``/admin/dispatch-rules``: the responsibility list for admins — list, edit, import/export, audit log."""

from __future__ import annotations

import io

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for

from dispatch import io as rules_io
from dispatch import ruleset
from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, Role
from hotline.core.effects import commit, rollback
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.tickets.models import KIND_NAMES

pages = Blueprint("dispatch_pages", __name__, url_prefix="/admin/dispatch-rules")


admin_page = page_for(Role.ADMIN)


def _common() -> dict:
    return {"me": g.me, "role_name": ROLE_NAMES[g.me.role_enum], "kinds": KIND_NAMES}


def _form_values() -> dict:
    form = request.form
    return {
        "id": form.get("id", "").strip(),
        "priority": form.get("priority", "").strip(),
        "category": form.get("category", ""),
        "area": form.get("area", ""),
        "kind": form.get("kind", ""),
        "keywords": form.get("keywords", ""),
        "lead_unit": form.get("lead_unit", ""),
        "co_units": form.get("co_units", ""),
        "direct": "direct" in form,
        "grid_first": "grid_first" in form,
        "legal_basis": form.get("legal_basis", ""),
        "enabled": "enabled" in form,
    }


@pages.get("")
@admin_page
def index():
    rows = ruleset.list_rules(db.session)
    changes = ruleset.list_changes(db.session, limit=100)
    return render_template(
        "dispatch_rules.html",
        **_common(),
        rules=rows,
        changes=[ruleset.change_to_dict(c) for c in changes],
        version=ruleset.rules_version(db.session)[0],
    )


@pages.route("/new", methods=["GET", "POST"])
@admin_page
def new():
    error, values = None, {"enabled": True}
    if request.method == "POST":
        values = _form_values()
        try:
            ruleset.create_rule(db.session, values, g.me, note=request.form.get("note") or None)
            commit(db.session)
            flash(f"已新增条目 {values['id']}")
            return redirect(url_for("dispatch_pages.index"))
        except ApiError as exc:
            rollback(db.session)
            error = exc.message
    return render_template("dispatch_rule_form.html", **_common(), rule=values, is_new=True, error=error, changes=[]), (
        422 if error else 200
    )


@pages.route("/<rule_id>", methods=["GET", "POST"])
@admin_page
def edit(rule_id: str):
    row = ruleset.get_rule(db.session, rule_id)
    error, values = None, ruleset.rule_to_dict(row)
    values["keywords"], values["co_units"] = "|".join(values["keywords"]), "|".join(values["co_units"])
    if request.method == "POST":
        values = _form_values() | {"id": rule_id}
        try:
            ruleset.update_rule(db.session, rule_id, values, g.me, note=request.form.get("note") or None)
            commit(db.session)
            flash(f"已保存条目 {rule_id}")
            return redirect(url_for("dispatch_pages.index"))
        except ApiError as exc:
            rollback(db.session)
            error = exc.message
    changes = [ruleset.change_to_dict(c) for c in ruleset.list_changes(db.session, rule_id)]
    return render_template(
        "dispatch_rule_form.html", **_common(), rule=values, is_new=False, error=error, changes=changes
    ), (422 if error else 200)


@pages.post("/<rule_id>/toggle")
@admin_page
def toggle(rule_id: str):
    row = ruleset.get_rule(db.session, rule_id)
    ruleset.update_rule(db.session, rule_id, {"enabled": not row.enabled}, g.me)
    commit(db.session)
    flash(f"条目 {rule_id} 已{'启用' if row.enabled else '停用'}")
    return redirect(url_for("dispatch_pages.index"))


@pages.get("/export.xlsx")
@admin_page
def export():
    return send_file(
        io.BytesIO(rules_io.export_rules_xlsx(db.session)),
        as_attachment=True,
        download_name="确责清单.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pages.post("/import")
@admin_page
def import_():
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ApiError(422, "missing_field", "请选择要导入的 Excel 文件")
        counts = rules_io.import_rules_xlsx(db.session, upload.stream, g.me)
        commit(db.session)
        flash(f"导入完成：新增 {counts['created']} 条，修改 {counts['updated']} 条，未变 {counts['unchanged']} 条")
    except ApiError as exc:
        rollback(db.session)
        flash(exc.message, "error")
    return redirect(url_for("dispatch_pages.index"))
