"""The column lineage of the marts (assets/lineage.py): every column of every mart (and of
intermediate.ledger_flows) says which columns feed it, each of those is a column of a table the builder
reads, as built; Dagster shows it as `dagster/column_lineage`, and docs/checks-and-lineage.md shows the
same declaration."""

from __future__ import annotations

import duckdb
import pytest

import assets.lineage as lineage
from assets.columns import COLUMNS
from assets.lineage import column_lineage, lineage_markdown
from assets.registry import BY_NAME, MARTS

WITH_LINEAGE = ["intermediate.ledger_flows", "intermediate.account_segments", *(t.name for t in MARTS)]


def test_every_mart_and_the_flows_have_lineage():
    assert sorted(column_lineage()) == sorted(WITH_LINEAGE)


@pytest.mark.parametrize("table", WITH_LINEAGE)
def test_every_column_has_its_upstream_columns(table):
    declared = column_lineage()[table]
    assert list(declared) == [n for n, _, _ in COLUMNS[table]]  # every column, in table order
    assert all(declared.values()), [c for c, deps in declared.items() if not deps]
    upstream = {t for deps in declared.values() for t, _ in deps}
    assert upstream <= set(BY_NAME[table].reads), upstream - set(BY_NAME[table].reads)


def test_every_upstream_column_exists_in_the_built_table(small_run):
    con = duckdb.connect(str(small_run.warehouse), read_only=True)
    try:
        built = set(con.execute("SELECT table_schema || '.' || table_name, column_name "
                                "FROM information_schema.columns").fetchall())
    finally:
        con.close()
    referenced = {dep for cols in column_lineage().values() for deps in cols.values() for dep in deps}
    assert referenced - built == set()
    # of the staging tables' columns, these feed the marts (each ledger column an entry's effect depends on;
    # the reporting months come from the ledger files' names)
    # (the segments: the account of a recovery, and the attributes of the account version in force, by its file)
    assert sorted(c for t, c in referenced if t == "staging.ledger") == [
        "account_key", "amount", "due_on", "entry_id", "entry_type", "posted_on", "source_file"]
    assert sorted(c for t, c in referenced if t == "staging.accounts") == [
        "account_id", "account_key", "closed_on", "credit_limit", "currency", "hardship_flag", "opened_on",
        "original_principal", "portfolio", "product_type", "region", "source_file"]


def test_the_example_of_the_issue():
    """marts.aging.balance ← marts.account_month.balance ← staging.ledger.amount, entry_type, posted_on."""
    lin = column_lineage()
    assert ("marts.account_month", "balance") in lin["marts.aging"]["balance"]
    assert lin["marts.account_month"]["balance"] == [("staging.ledger", "amount"), ("staging.ledger", "entry_type"),
                                                     ("staging.ledger", "posted_on")]
    assert lin["marts.charge_offs"]["net_charge_off"] == [("intermediate.ledger_flows", "charge_offs"),
                                                          ("intermediate.ledger_flows", "recoveries")]


def test_column_lineage_returns_a_copy():
    lin = column_lineage()
    lin["marts.aging"]["balance"].clear()
    assert column_lineage()["marts.aging"]["balance"] == [("marts.account_month", "balance"),
                                                          ("marts.account_month", "bucket")]


@pytest.mark.parametrize("table", ["marts.roll_forward", "marts.complaint_metrics"])
def test_dagster_shows_the_lineage_on_each_materialization(small_run_metadata, table):
    shown = small_run_metadata[table]["dagster/column_lineage"].lineage.deps_by_column
    as_pairs = {c: sorted((".".join(d.asset_key.path), d.column_name) for d in deps) for c, deps in shown.items()}
    assert as_pairs == {c: sorted(deps) for c, deps in column_lineage()[table].items()}  # Dagster sorts them


def test_tables_without_declared_lineage_show_none(small_run_metadata):
    assert "dagster/column_lineage" not in small_run_metadata["staging.ledger"]


def test_the_doc_shows_the_declaration(repo_root):
    doc = (repo_root / "docs" / "checks-and-lineage.md").read_text(encoding="utf-8")
    section = doc[doc.index(lineage.DOC_BEGIN):doc.index(lineage.DOC_END) + len(lineage.DOC_END)]
    assert section == lineage_markdown(), "regenerate it: python -m assets.lineage docs/checks-and-lineage.md"
