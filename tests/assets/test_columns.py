"""Every table asset's columns are declared once (assets/columns.py) with the spec's description, and the
declaration is exactly what a run builds: a new column without a description, a renamed column or a
changed type fails here. Dagster shows the declaration on the asset's definition and, per
materialization, the built columns with those descriptions, the row count and the months held."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from assets.columns import COLUMNS, declared_schema
from assets.registry import TABLES

TABLE_ASSETS = ["raw.accounts", "raw.ledger", "raw.complaints", "raw.fx", *(t.name for t in TABLES)]


def built_columns(warehouse, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("""SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, name]).fetchall()
    finally:
        con.close()


def test_every_table_asset_is_declared_and_nothing_else():
    assert sorted(COLUMNS) == sorted(TABLE_ASSETS)
    assert len(TABLE_ASSETS) == 18 + 8 + 6 + 2 + 5  # + raw.fx, staging.fx_rates, the six converted marts; account_segments,
    # the five by-segment marts; marts.vintage_curves, marts.quarterly_rates; the five forecast marts


@pytest.mark.parametrize("table", TABLE_ASSETS)
def test_declared_columns_are_the_built_columns_each_described(small_run, table):
    declared = COLUMNS[table]
    assert [(n, t) for n, t, _ in declared] == built_columns(small_run.warehouse, table)
    assert all(d.strip() for _, _, d in declared), [n for n, _, d in declared if not d.strip()]


def test_the_spec_columns_of_outputs_md_are_among_them():
    """A few columns of docs/spec/outputs.md's table, with the meaning the spec gives."""
    described = {t: {n: d for n, _, d in cols} for t, cols in COLUMNS.items()}
    assert set(described["marts.account_month"]) >= {"account_id", "month_end", "portfolio", "product_type", "status",
                                                     "balance", "past_due_amount", "dpd", "bucket"}
    assert described["marts.roll_forward"]["difference"].startswith(
        "opening + debits − credits − charge_offs − closing: exactly 0.00")
    assert described["marts.delinquency_rates"]["dq60_balance_rate"] == \
        "Full balances (not the past-due amount) at dpd ≥ 60 / open_balance."


@pytest.mark.parametrize("table", ["staging.ledger", "marts.aging", "raw.complaints"])
def test_the_definition_shows_the_declared_schema_before_any_run(table):
    from pipelines.definitions import build_definitions

    specs = {s.key.to_user_string(): s for a in build_definitions().assets
             if isinstance(a, dg.AssetsDefinition) for s in a.specs}  # landing source assets have no specs
    schema = specs[table.replace(".", "/")].metadata["dagster/column_schema"]
    assert schema == declared_schema(table)
    assert schema.columns[0].description == COLUMNS[table][0][2]


@pytest.mark.parametrize("table", TABLE_ASSETS)
def test_each_materialization_shows_described_columns_and_row_count(small_run, small_run_metadata, table):
    meta = small_run_metadata[table]
    schema = meta["dagster/column_schema"].schema
    assert [(c.name, c.type, c.description) for c in schema.columns] == list(COLUMNS[table])
    con = duckdb.connect(str(small_run.warehouse), read_only=True)
    try:
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()
    assert meta["dagster/row_count"].value == rows
    assert meta["dagster/table_name"].text == table


def test_each_materialization_shows_the_months_it_holds(small_run_metadata):
    """The sample's ledger months are 2026-07 … 2026-10; roll rates start at the second month."""
    def months(table):
        m = small_run_metadata[table]
        return m["first month_end"].text, m["last month_end"].text, m["months"].value

    four = ("2026-07-31", "2026-10-31", 4)
    for table in ("raw.ledger", "staging.ledger", "staging.accounts", "audit.source_files",
                  "marts.account_month", "marts.aging", "marts.delinquency_rates", "marts.roll_forward",
                  "intermediate.ledger_flows"):
        assert months(table) == four, table
    assert months("marts.roll_rates") == ("2026-08-31", "2026-10-31", 3)
