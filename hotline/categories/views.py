"""``GET /api/v1/categories``: the category tree."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from hotline.auth.api import api_auth
from hotline.categories.models import Category
from hotline.core.extensions import db

bp = Blueprint("categories_api", __name__, url_prefix="/api/v1")


@bp.get("/categories")
@api_auth()
def list_categories():
    rows = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code))
    return jsonify([c.to_dict() for c in rows])
