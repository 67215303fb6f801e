"""The registry of warehouse tables: every mart has its checks and its page, or loading refuses it."""

import pytest

from assets.registry import MARTS, TABLES, Table
from pipelines.definitions import check_registry


def test_the_project_registry_passes():
    check_registry()


def test_a_mart_without_page_or_checks_is_refused_by_name():
    bare = Table("marts.recovery_curves", lambda con: 0, ("marts.account_month",))
    with pytest.raises(ValueError) as err:
        check_registry((*MARTS, bare))
    assert str(err.value) == (
        "assets/registry.py: marts.recovery_curves has no checks: add its GX suite "
        "checks/marts/marts__recovery_curves.json (and its invariants in checks/marts/invariants.py); "
        "marts.recovery_curves has no page: add one in dashboards/ that declares the table, or say in its "
        "registry entry (no_page=...) why it is not drawn")


def test_a_mart_drawn_nowhere_must_say_why():
    aging = next(t for t in MARTS if t.name == "marts.aging")
    with pytest.raises(ValueError, match=r"^assets/registry.py: marts.aging has no page"):
        check_registry((aging,), pages={})


def test_tables_are_declared_once_and_read_only_earlier_tables():
    names = [t.name for t in TABLES]
    assert len(names) == len(set(names))
    built = {"raw.accounts", "raw.ledger", "raw.complaints", "raw.fx"}
    for t in TABLES:
        assert set(t.reads) <= built, t.name
        built.add(t.name)
