"""The checks themselves: each invariant catches a planted violation, GX errors are errors, blocking blocks."""

from __future__ import annotations

import dagster as dg
import pytest

from checks.gx import CheckError, load_suite, suite_path, validate
from checks.marts.invariants import INVARIANTS as MART
from checks.sql import Invariant
from checks.table import invariant_check
from checks.staging.invariants import INVARIANTS as STAGING
from assets.warehouse import WarehouseResource, connect


def inv(invariants, table, name) -> Invariant:
    return next(i for i in invariants if i.table == table and i.name == name)


@pytest.fixture
def con():
    c = connect(":memory:")
    c.execute("CREATE TABLE staging.accounts AS SELECT * FROM (VALUES ('A', 1), ('B', 2)) v(account_id, account_key)")
    c.execute("""CREATE TABLE staging.ledger_entries (entry_id VARCHAR, account_key INTEGER, posted_on DATE,
        entry_type VARCHAR, amount DECIMAL(18,2), due_on DATE, file_month DATE)""")
    c.execute("""CREATE TABLE raw.files AS SELECT * FROM (VALUES ('ledger', 'f1', DATE '2026-01-01'),
        ('ledger', 'f2', DATE '2026-02-01'), ('ledger', 'f3', DATE '2026-03-01')) v(entity, source_file, file_month)""")
    c.execute("""CREATE TABLE marts.account_month (account_id VARCHAR, month_end DATE, portfolio VARCHAR,
        currency VARCHAR, product_type VARCHAR, status VARCHAR, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2), dpd INTEGER, bucket VARCHAR,
        account_key INTEGER)""")
    c.execute("""INSERT INTO marts.account_month VALUES
        ('A', DATE '2026-01-31', 'p', 'USD', 'revolving', 'open', 100, 0, 0, 'current', 1),
        ('A', DATE '2026-02-28', 'p', 'USD', 'revolving', 'open', 100, 25, 20, 'dpd_1_29', 1),
        ('A', DATE '2026-03-31', 'p', 'USD', 'revolving', 'open', 100, 50, 51, 'dpd_30_59', 1),
        ('B', DATE '2026-01-31', 'p', 'USD', 'installment', 'closed', 0, 0, NULL, 'closed', 2)""")
    return c


def test_dpd_jump_explained_by_a_reversal_is_allowed(con):
    check = inv(MART, "marts.account_month", "dpd_grows_at_most_by_elapsed_days")
    con.execute("UPDATE marts.account_month SET dpd = 52 WHERE dpd = 51")
    assert check.evaluate(con)[0] == 1
    con.execute("INSERT INTO staging.ledger_entries VALUES ('R1', 1, DATE '2026-03-02', 'payment_reversal', 10, NULL, DATE '2026-03-01')")
    assert check.evaluate(con)[0] == 0


def test_account_month_invariants_pass_on_clean_rows(con):
    for name in ("one_row_per_account_month", "bucket_matches_dpd_and_status", "dpd_grows_at_most_by_elapsed_days",
                 "no_rows_after_terminal"):
        assert inv(MART, "marts.account_month", name).evaluate(con)[0] == 0, name


@pytest.mark.parametrize("name, plant", [
    ("one_row_per_account_month", "INSERT INTO marts.account_month VALUES ('A', DATE '2026-01-31', 'p', 'USD', 'revolving', 'open', 1, 0, 0, 'current', 1)"),
    ("bucket_matches_dpd_and_status", "UPDATE marts.account_month SET bucket = 'dpd_30_59' WHERE dpd = 20"),
    ("bucket_matches_dpd_and_status", "UPDATE marts.account_month SET dpd = 0 WHERE status = 'closed'"),
    ("bucket_matches_dpd_and_status", "UPDATE marts.account_month SET past_due_amount = 0 WHERE dpd = 20"),
    # Feb 28 -> Mar 31 is 31 days: 20 -> 52 is one day too many
    ("dpd_grows_at_most_by_elapsed_days", "UPDATE marts.account_month SET dpd = 52 WHERE dpd = 51"),
    ("no_rows_after_terminal", "INSERT INTO marts.account_month VALUES ('B', DATE '2026-02-28', 'p', 'USD', 'installment', 'open', 0, 0, 0, 'current', 2)"),
    ("no_rows_after_terminal", "DELETE FROM marts.account_month WHERE account_id = 'A' AND month_end = DATE '2026-02-28'"),
])
def test_account_month_invariants_catch_violations(con, name, plant):
    con.execute(plant)
    count, sample = inv(MART, "marts.account_month", name).evaluate(con)
    assert count == 1 and len(sample) == 1  # each plant makes one offending row, shown in the sample


def test_roll_rate_rows_must_sum_to_one(con):
    con.execute("""CREATE TABLE marts.roll_rates AS SELECT * FROM (VALUES
        (DATE '2026-02-28', 'all', 'USD', 'current', 'current', 3, 30.0, 0.75, 0.6),
        (DATE '2026-02-28', 'all', 'USD', 'current', 'dpd_1_29', 1, 20.0, 0.25, 0.4)) t(month_end, portfolio, currency, from_bucket,
        to_bucket, accounts, balance, account_rate, balance_rate)""")
    check = inv(MART, "marts.roll_rates", "from_rows_sum_to_one")
    assert check.evaluate(con)[0] == 0
    con.execute("UPDATE marts.roll_rates SET account_rate = 0.26 WHERE to_bucket = 'dpd_1_29'")
    assert check.evaluate(con)[0] == 1


def test_roll_forward_difference_must_be_zero(con):
    con.execute("""CREATE TABLE marts.roll_forward AS SELECT DATE '2026-02-28' AS month_end, 'all' AS portfolio,
        'USD' AS currency, 0.00::DECIMAL(18,2) AS difference""")
    check = inv(MART, "marts.roll_forward", "difference_is_zero")
    assert check.evaluate(con)[0] == 0
    con.execute("UPDATE marts.roll_forward SET difference = 0.01")
    assert check.evaluate(con)[0] == 1


def test_source_file_counts_must_add_up(con):
    con.execute("""CREATE TABLE audit.source_files AS SELECT 'ledger/ledger_2026-01.csv' AS source_file,
        10 AS rows_read, 8 AS rows_loaded, 2 AS rows_rejected""")
    check = inv(STAGING, "audit.source_files", "rows_read_equal_loaded_plus_rejected")
    assert check.evaluate(con)[0] == 0
    con.execute("UPDATE audit.source_files SET rows_loaded = 7")
    assert check.evaluate(con)[0] == 1


def test_every_ledger_entry_must_name_a_known_account(con):
    check = inv(STAGING, "staging.ledger", "account_ids_in_accounts")
    con.execute("""INSERT INTO staging.ledger_entries VALUES ('E1', 1, DATE '2026-01-05', 'fee', 1, NULL, '2026-01-01'),
                   ('E2', 2, DATE '2026-01-05', 'fee', 1, NULL, '2026-01-01')""")
    assert check.evaluate(con)[0] == 0
    # key 7 names no account (twice), one entry has no key at all, key 0 is below every account's
    # (the entries' files are named by their month, as staging stores them; raw.files gives the names)
    con.execute("""INSERT INTO staging.ledger_entries VALUES ('E3', 7, DATE '2026-01-06', 'fee', 1, NULL, '2026-02-01'),
                   ('E4', 7, DATE '2026-01-07', 'fee', 1, NULL, '2026-03-01'),
                   ('E5', NULL, DATE '2026-01-06', 'fee', 1, NULL, '2026-02-01'),
                   ('E6', 0, DATE '2026-01-06', 'fee', 1, NULL, '2026-02-01')""")
    count, sample = check.evaluate(con)
    assert count == 3
    assert sorted((r["account_key"], r["entries"], r["first_file"], r["first_entry_id"]) for r in sample) == [
        ("0", "1", "f2", "E6"), ("7", "2", "f2", "E3"), ("None", "1", "f2", "E5")]
    con.execute("DELETE FROM staging.ledger_entries WHERE entry_id IN ('E3', 'E4', 'E5', 'E6')")
    assert check.evaluate(con)[0] == 0


def test_account_keys_must_be_unique(con):
    check = inv(STAGING, "staging.accounts", "account_key_unique")
    assert check.evaluate(con)[0] == 0
    con.execute("INSERT INTO staging.accounts VALUES ('C', 2), ('D', NULL)")
    count, sample = check.evaluate(con)
    assert count == 2
    assert sorted((r["account_key"], r["n"], r["first_account_id"]) for r in sample) == [("2", "2", "B"), ("None", "1", "D")]


def test_gx_suite_fails_on_bad_rows_and_errors_are_errors(con):
    suite = load_suite(suite_path("marts", "marts.account_month"))
    assert validate(con, "marts.account_month", suite)["success"] is True
    con.execute("UPDATE marts.account_month SET status = 'sleeping' WHERE account_id = 'B'")
    result = validate(con, "marts.account_month", suite)
    assert result["success"] is False
    failed = [d for d in result["details"] if not d["success"]]
    assert [(d["expectation"], d["column"]) for d in failed] == [("expect_column_values_to_be_in_set", "status")]
    broken = {"name": "broken", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "no_such_column"}}]}
    with pytest.raises(CheckError, match="could not evaluate"):
        validate(con, "marts.account_month", broken)


def test_a_gx_worker_that_died_is_replaced(con):
    """GX runs in a worker process; if it dies, the next suite starts a new one instead of failing."""
    from checks import gx_client

    gx_client.prewarm()
    gx_client._WORKER.proc.kill()
    gx_client._WORKER.proc.wait()
    suite = load_suite(suite_path("marts", "marts.account_month"))
    assert validate(con, "marts.account_month", suite)["success"] is True
    assert gx_client._WORKER.alive()


def things_then_downstream(ids_sql: str):
    """Two assets: staging.things (its ids from `ids_sql`) and marts.downstream, which depends on it."""

    @dg.asset(key=dg.AssetKey(["staging", "things"]))
    def things(warehouse: WarehouseResource):
        with warehouse.connection() as c:
            c.execute(f"CREATE OR REPLACE TABLE staging.things AS {ids_sql}")

    @dg.asset(key=dg.AssetKey(["marts", "downstream"]), deps=[things])
    def downstream(warehouse: WarehouseResource):
        with warehouse.connection() as c:
            c.execute("CREATE OR REPLACE TABLE marts.downstream AS SELECT 1 AS x")

    return [things, downstream]


def test_a_failing_blocking_check_stops_downstream_assets(tmp_path):
    wh = WarehouseResource(path=str(tmp_path / "w.duckdb"), landing=str(tmp_path), reports=str(tmp_path))
    unique = invariant_check(Invariant("staging.things", "id_unique", "ids unique",
                                       "SELECT id FROM staging.things GROUP BY 1 HAVING count(*) > 1"))
    result = dg.materialize([*things_then_downstream("SELECT 1 AS id UNION ALL SELECT 1"), unique],
                            resources={"warehouse": wh}, raise_on_error=False)
    evaluations = result.get_asset_check_evaluations()
    assert [(e.check_name, e.passed) for e in evaluations] == [("id_unique", False)]
    assert evaluations[0].metadata["offending rows"].value == 1
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"staging/things"}


def test_a_run_syncs_the_warehouse_to_disk_once_at_its_end(tmp_path, monkeypatch):
    """Inside a run DuckDB does not wait for the disk at each commit; the run's teardown closes the
    warehouse and then fsyncs the file and its folder, so a finished run is on stable storage."""
    import os

    seen, settings = [], []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (seen.append(os.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd))[1])

    @dg.asset(key=dg.AssetKey(["staging", "things"]))
    def things(warehouse: WarehouseResource):
        with warehouse.connection() as c:
            settings.append(c.execute("SELECT current_setting('fsync_mode')").fetchall()[0][0])
            c.execute("CREATE OR REPLACE TABLE staging.things AS SELECT range AS id FROM range(10)")

    path = tmp_path / "w.duckdb"
    wh = WarehouseResource(path=str(path), landing=str(tmp_path), reports=str(tmp_path))
    assert dg.materialize([things], resources={"warehouse": wh}).success
    assert settings == ["NONE"]
    assert seen == [str(path), str(tmp_path)]  # after the close: the file, then its folder
    con = connect(str(path))
    assert con.execute("SELECT count(*) FROM staging.things").fetchall()[0][0] == 10
    assert con.execute("SELECT current_setting('fsync_mode')").fetchall()[0][0] == "STANDARD"  # outside runs


def test_a_tables_checks_share_a_step_and_an_error_is_never_a_pass(tmp_path):
    """Two checks of one table run in one step: the one that cannot be evaluated gets no result, and
    neither does the next (its SQL error aborted the run's transaction: docs/runs.md); the step fails
    naming both, the downstream asset is not built, and the run is rolled back."""
    from checks.table import table_checks

    wh = WarehouseResource(path=str(tmp_path / "w.duckdb"), landing=str(tmp_path), reports=str(tmp_path))
    checks = table_checks("staging.things", None, [
        Invariant("staging.things", "broken", "refers to a missing column", "SELECT no_such_column FROM staging.things"),
        Invariant("staging.things", "id_unique", "ids unique", "SELECT id FROM staging.things GROUP BY 1 HAVING count(*) > 1"),
    ])
    assert {k.name for k in checks.check_keys} == {"broken", "id_unique"}
    result = dg.materialize([*things_then_downstream("SELECT 1 AS id UNION ALL SELECT 2"), checks],
                            resources={"warehouse": wh}, raise_on_error=False)
    assert [(e.check_name, e.passed) for e in result.get_asset_check_evaluations()] == []
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1
    error = str(failures[0].step_failure_data.error)
    assert "staging.things:broken could not be evaluated: Binder Error" in error
    assert "staging.things:id_unique could not be evaluated: TransactionContext Error" in error
    assert {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()} == {"staging/things"}


def test_balance_must_reconcile_to_the_ledger_per_account(staging, staging_db):
    from assets.marts.account_month import build_account_month

    con = staging_db(("2024-01", "2024-02"), [staging.acct("A1"), staging.acct("A2")], [
        staging.entry("A1", "2024-01-01", "disbursement", "100.00"), staging.pay("A1", "2024-02-10", "30.00"),
        staging.entry("A2", "2024-01-01", "disbursement", "50.00")])
    build_account_month(con)
    check = inv(MART, "marts.account_month", "balance_reconciles_to_ledger")
    assert check.evaluate(con)[0] == 0
    con.execute("UPDATE marts.account_month SET balance = 71.00 WHERE account_id = 'A1' AND month_end = '2024-02-29'")
    count, sample = check.evaluate(con)
    assert count == 1
    assert sample == [{"account_id": "A1", "month_end": "2024-02-29", "balance": "71.00", "ledger_balance": "70.00"}]
    con.execute("UPDATE marts.account_month SET balance = 70.00 WHERE account_id = 'A1'")  # all rows; only the last counts
    assert check.evaluate(con)[0] == 0
    con.execute("""INSERT INTO staging.ledger_entries BY NAME SELECT 'X1' AS entry_id, account_key,
                   DATE '2024-02-03' AS posted_on, 'fee' AS entry_type, 5.00 AS amount, DATE '2024-02-01' AS file_month,
                   1 AS line_number
                   FROM staging.accounts WHERE account_id = 'A2'""")  # an entry account_month lacks
    count, sample = check.evaluate(con)
    assert count == 1 and sample[0]["account_id"] == "A2" and sample[0]["ledger_balance"] == "55.00"
