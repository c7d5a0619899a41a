"""``GET /api/v1/units``: the unit tree."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from hotline.auth.api import api_auth
from hotline.core.api_schemas import returns
from hotline.core.extensions import db
from hotline.units.models import Unit
from hotline.units.outputs import UnitList
from hotline.units.services import pinyin_initials

bp = Blueprint("units_api", __name__, url_prefix="/api/v1")


@bp.get("/units")
@api_auth()
@returns(UnitList)
def list_units():
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.path))
    # ``initials`` lets the dispatch dialog find 市交通运输局 by typing "sjt".
    return jsonify([u.to_dict() | {"initials": pinyin_initials(u.name)} for u in units])
