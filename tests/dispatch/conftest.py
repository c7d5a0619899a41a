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
