"""Shared fixtures for the dispatch engine tests: the demo city's data, loaded once."""

from __future__ import annotations

import pytest

from dispatch.gazetteer import AddressMatcher, GazetteerEntry, UnitRow, load_gazetteer, load_units
from dispatch.rules import Rule, RuleBook, load_rules


@pytest.fixture(scope="session")
def units() -> list[UnitRow]:
    return load_units()


@pytest.fixture(scope="session")
def gazetteer() -> list[GazetteerEntry]:
    return load_gazetteer()


@pytest.fixture(scope="session")
def matcher(gazetteer: list[GazetteerEntry], units: list[UnitRow]) -> AddressMatcher:
    return AddressMatcher(gazetteer, units)


@pytest.fixture(scope="session")
def demo_rules() -> list[Rule]:
    return load_rules()


@pytest.fixture(scope="session")
def book(demo_rules: list[Rule], units: list[UnitRow]) -> RuleBook:
    return RuleBook(demo_rules, {u.code: u.name for u in units})


# --- database-backed fixtures (the demo city on top of the core ``world``) -----------------------------

DEMO_PASSWORD = "demo-12345"


@pytest.fixture
def jobs_in_process(app, monkeypatch):
    """Run deferred jobs in this process even on the Redis pass, so a test sees their effect at once."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    return app


@pytest.fixture
def demo_city(app, world, jobs_in_process, monkeypatch):
    """Load the demo unit tree and responsibility list over the small world (same codes are kept).

    Auto-dispatch is off by default (a centre turns it on once it trusts the list); these tests turn it on.
    """
    monkeypatch.setitem(app.config, "HOTLINE_AUTO_DISPATCH", True)
    from dispatch.gazetteer import DEMO_UNITS
    from dispatch.ruleset import load_demo_rules
    from dispatch.services import invalidate_caches
    from hotline.core.extensions import db
    from hotline.units.services import load_units_csv

    with app.app_context():
        invalidate_caches(app)
        load_units_csv(db.session, DEMO_UNITS)
        load_demo_rules(db.session)
        db.session.commit()
        db.session.remove()
    return world


@pytest.fixture
def classifier(app, monkeypatch):
    """Install a fake classifier provider; ``classifier.set(name, confidence)`` changes its answer."""

    class Fake:
        name, confidence, version = "城乡建设", 0.95, "test-model-1"

        def set(self, name: str, confidence: float) -> None:
            self.name, self.confidence = name, confidence

        def __call__(self, text: str) -> dict:
            return {
                "categories": [{"code": self.name, "name": self.name, "confidence": self.confidence}],
                "kind": "complaint",
                "urgency": "normal",
                "model_version": self.version,
            }

    from dispatch.services import CLASSIFY

    fake = Fake()
    with CLASSIFY.replaced(app, fake):
        yield fake


@pytest.fixture
def no_classifier(app):
    from dispatch.services import CLASSIFY

    with CLASSIFY.replaced(app, None):
        yield
