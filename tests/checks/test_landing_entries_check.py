"""The landing-entries check of each raw asset: a WARN-severity, non-blocking check that lists the entries
of the landing folder the asset reports and did not read; the raw assets log the same warnings, put them in
their metadata, and refuse them in strict mode."""

from __future__ import annotations

import os
from types import SimpleNamespace

import dagster as dg
import pytest

from assets.raw.assets import ASSETS as RAW_ASSETS
from assets.warehouse import WarehouseResource
from checks.raw.landing_entries import CHECKS


@pytest.fixture
def valid(tmp_path) -> SimpleNamespace:
    """A valid landing folder (`path`): one account and one ledger entry in January 2026."""
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "accounts_2026-01.csv").write_text(
        "account_id,portfolio,product_type,opened_on,currency,credit_limit\n"
        "A1,cards-us,revolving,2026-01-15,USD,1000.00\n")
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "ledger_2026-01.csv").write_text(
        "entry_id,account_id,posted_on,entry_type,amount\nE1,A1,2026-01-20,fee,1.00\n")
    return SimpleNamespace(path=tmp_path)


def run(landing, tmp_path_factory, strict: bool = False):
    wh_dir = tmp_path_factory.mktemp("wh")
    wh = WarehouseResource(path=str(wh_dir / "w.duckdb"), landing=str(landing.path), reports=str(wh_dir),
                           strict_landing=strict)
    return dg.materialize([*RAW_ASSETS, *CHECKS.values()], resources={"warehouse": wh}, raise_on_error=False)


def evaluations(result) -> dict[str, tuple[bool, dg.AssetCheckSeverity, list]]:
    return {e.asset_key.to_user_string(): (e.passed, e.severity, e.metadata["entries not read"].value)
            for e in result.get_asset_check_evaluations()}


def test_the_checks_are_warnings_that_never_block():
    for check in CHECKS.values():
        (spec,) = check.check_specs
        assert spec.name == "landing_entries_read" and not spec.blocking


def test_a_clean_landing_passes_every_check(valid, tmp_path_factory):
    result = run(valid, tmp_path_factory)
    assert result.success
    assert evaluations(result) == {f"raw/{e}": (True, dg.AssetCheckSeverity.WARN, [])
                                   for e in ("accounts", "ledger", "complaints", "fx")}


def test_unknown_names_warn_on_the_asset_that_reports_them(valid, tmp_path_factory):
    os.makedirs(valid.path / "complaint")
    (valid.path / "complaint" / "complaints_2026-01.csv").write_text("x\n")
    (valid.path / "notes.txt").write_text("x\n")
    result = run(valid, tmp_path_factory)
    assert result.success  # warnings, not failures: every asset materialised
    complaint = ("complaint/: not read: not a folder of the contract, so nothing in it is read; "
                 "did you mean complaints/?")
    notes = "notes.txt: not read: not a file of the contract"
    assert evaluations(result) == {
        "raw/accounts": (True, dg.AssetCheckSeverity.WARN, []),
        "raw/ledger": (False, dg.AssetCheckSeverity.WARN, [notes]),
        "raw/complaints": (False, dg.AssetCheckSeverity.WARN, [complaint]),
        "raw/fx": (True, dg.AssetCheckSeverity.WARN, []),
    }
    meta = {e.asset_key.to_user_string(): e.materialization.metadata["landing warnings"].value
            for e in result.get_asset_materialization_events()}
    assert meta == {"raw/accounts": [], "raw/ledger": [notes], "raw/complaints": [complaint], "raw/fx": []}


def test_strict_mode_fails_the_raw_assets(valid, tmp_path_factory):
    (valid.path / "notes.txt").write_text("x\n")
    result = run(valid, tmp_path_factory, strict=True)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures and all("notes.txt: not read: not a file of the contract (refused: strict mode)"
                            in str(e.step_failure_data.error) for e in failures)
