"""Month-by-month runs (issue 15): a warehouse that takes one more month, or a changed file, ends with
exactly the tables a rebuild of every month gives; the months a run rebuilds are the ones whose figures
can change; a range that misses a changed month is refused."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assets.partitions import MonthsOutsideRun
from pipelines.cli import main as cli
from pipelines.compare import RUN_RECORDS, TIMESTAMP_COLUMNS, differences, table_hashes
from pipelines.incremental import plan_run
from pipelines.settings import Settings

# What two warehouses built from the same files may hold differently: the runs themselves, and
# account_key, the warehouse's own number for an account (numbered as accounts arrive, so a history
# numbers them otherwise than a rebuild). Entries are compared through the view staging.ledger, which
# shows each entry's account_id; staging.account_keys is compared by its account_ids.
SKIP_TABLES = (*RUN_RECORDS, "staging.ledger_entries", "staging.account_keys")
SKIP_COLUMNS = TIMESTAMP_COLUMNS | {"account_key"}


@pytest.fixture(autouse=True)
def _ephemeral_dagster(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def run(landing: Path, warehouse: Path, *extra: str) -> None:
    code = cli(["run", "--landing", str(landing), "--warehouse", str(warehouse),
                "--reports", str(warehouse.with_suffix(".reports")), *extra])
    assert code == 0


def plan(landing: Path, warehouse: Path, rebuild: bool = False):
    return plan_run(Settings.from_env(landing=str(landing), warehouse=str(warehouse),
                                      reports=str(warehouse.with_suffix(".reports"))), rebuild)


def assert_same_tables(a: Path, b: Path) -> None:
    ha = table_hashes(str(a), SKIP_COLUMNS, SKIP_TABLES)
    hb = table_hashes(str(b), SKIP_COLUMNS, SKIP_TABLES)
    assert {"marts.account_month", "marts.cure_rates", "staging.ledger", "staging.accounts",
            "intermediate.ledger_flows", "audit.source_files", "audit.rejected_rows"} <= set(ha)
    assert differences(ha, hb) == []
    ids = "SELECT account_id FROM staging.account_keys ORDER BY 1"
    assert _rows(a, ids) == _rows(b, ids)


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def land_without(sample: Path, landing: Path, *months: str) -> None:
    """Copy the sample into `landing`, leaving out the files of `months`."""
    shutil.copytree(sample, landing)
    for path in landing.glob("*/*"):
        if any(m in path.name for m in months):
            path.unlink()


def land(sample: Path, landing: Path, month: str) -> None:
    for path in sample.glob(f"*/*_{month}.*"):
        shutil.copy2(path, landing / path.parent.name / path.name)


@pytest.fixture(scope="module")
def sample6(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample6") / "landing"
    assert cli(["sample", str(out), "--accounts", "150", "--months", "6", "--seed", "11"]) == 0
    return out


def test_five_months_then_a_sixth_equals_a_rebuild_of_six(sample6, tmp_path):
    landing, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    land_without(sample6, landing, "2026-10")
    run(landing, history)
    land(sample6, landing, "2026-10")
    p = plan(landing, history)
    # the cure rates of the five months before read the new month: every month of six is rebuilt
    assert (p.first, p.last, p.full) == ("2026-05", "2026-10", True)
    assert "ledger/ledger_2026-10.csv new" in p.describe()
    run(landing, history)
    run(landing, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)


def test_a_new_month_rebuilds_the_six_months_before_it_and_equals_a_rebuild(tmp_path):
    sample, landing = tmp_path / "sample", tmp_path / "landing"
    history, rebuilt = tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    assert cli(["sample", str(sample), "--accounts", "150", "--months", "10", "--seed", "5"]) == 0
    land_without(sample, landing, "2026-10")
    run(landing, history)
    before = _rows(history, "SELECT * EXCLUDE (account_key) FROM marts.account_month "
                            "WHERE month_end < DATE '2026-04-01' ORDER BY account_id, month_end")
    land(sample, landing, "2026-10")
    p = plan(landing, history)
    assert (p.first, p.last, p.full) == ("2026-04", "2026-10", False)
    run(landing, history)
    assert _rows(history, "SELECT * EXCLUDE (account_key) FROM marts.account_month "
                          "WHERE month_end < DATE '2026-04-01' ORDER BY account_id, month_end") == before
    run(landing, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)
    # and --rebuild on the history itself plans every month
    assert plan(landing, history, rebuild=True).full


def test_a_changed_earlier_file_rebuilds_from_six_months_before_it(tmp_path):
    sample, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    assert cli(["sample", str(sample), "--accounts", "150", "--months", "12", "--seed", "3"]) == 0
    run(sample, history)
    # ledger_2026-08: its last payment removed (a corrected export delivered again)
    path = sample / "ledger" / "ledger_2026-08.csv"
    lines = path.read_text().splitlines(keepends=True)
    last_payment = max(i for i, line in enumerate(lines) if ",payment," in line)
    path.write_text("".join(lines[:last_payment] + lines[last_payment + 1:]))
    p = plan(sample, history)
    assert (p.first, p.last, p.full) == ("2026-02", "2026-10", False)
    assert p.reasons[0] == "ledger/ledger_2026-08.csv changed"
    run(sample, history)
    run(sample, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)


# ---- a hand-made book: a portfolio transfer ----------------------------------------------------------

ACC = ["account_id", "portfolio", "product_type", "opened_on", "closed_on", "currency", "credit_limit",
       "original_principal"]
LED = ["entry_id", "account_id", "posted_on", "entry_type", "amount", "due_on", "reverses_entry_id"]
MONTHS = [f"2026-{m:02d}" for m in range(1, 10)]


def write(landing: Path, entity: str, month: str, header: list[str], rows: list[list]) -> None:
    (landing / entity).mkdir(parents=True, exist_ok=True)
    with open(landing / entity / f"{entity}_{month}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def book(landing: Path, months: list[str], a1_portfolio_from_last: str | None = None) -> None:
    """A1 (revolving) buys 100.00 in January, A2 50.00; each month after, A2 buys 10.00 more. In the
    last month's accounts file A1 moves to `a1_portfolio_from_last` when given."""
    write(landing, "accounts", months[0], ACC, [
        ["A1", "cards", "revolving", "2026-01-05", "", "USD", "1000.00", ""],
        ["A2", "cards", "revolving", "2026-01-06", "", "USD", "1000.00", ""]])
    for n, month in enumerate(months):
        rows = ([["E1", "A1", "2026-01-10", "purchase", "100.00", "", ""],
                 ["E2", "A2", "2026-01-12", "purchase", "50.00", "", ""]] if n == 0
                else [[f"E{month}", "A2", f"{month}-15", "purchase", "10.00", "", ""]])
        write(landing, "ledger", month, LED, rows)
    if a1_portfolio_from_last:
        write(landing, "accounts", months[-1], ACC, [
            ["A1", a1_portfolio_from_last, "revolving", "2026-01-05", "", "USD", "1000.00", ""]])


AGING = "SELECT month_end, portfolio, accounts, balance FROM marts.aging WHERE month_end = ? ORDER BY portfolio"


def eight_months(built_copy, into: Path) -> None:
    """`into`/landing holding book(MONTHS[:8]) and `into`/history.duckdb built from it by one run: a copy
    of the one build of the session (the run then records the shared folder's paths in audit.runs; the
    next run rewrites raw.files with the copy's)."""
    def build(folder: Path) -> None:
        book(folder / "landing", MONTHS[:8])
        run(folder / "landing", folder / "history.duckdb")

    built_copy("incremental-book-8-months", build, into)


def test_a_portfolio_transfer_recomputes_the_accounts_earlier_months(tmp_path, built_copy):
    landing, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    eight_months(built_copy, tmp_path)  # book(landing, MONTHS[:8]) and run(landing, history)
    jan = date(2026, 1, 31)
    assert _rows(history, AGING.replace("?", "DATE '2026-01-31'")) == [
        (jan, "all", 2, Decimal("150.00")), (jan, "cards", 2, Decimal("150.00"))]
    book(landing, MONTHS, a1_portfolio_from_last="loans")
    p = plan(landing, history)
    assert (p.first, p.last, p.full) == ("2026-01", "2026-09", True)
    assert p.reasons[0] == "accounts/accounts_2026-09.csv: 0 new and 1 changed accounts"
    run(landing, history)
    # January: A1 (100.00) is now in loans, A2 (50.00) stays in cards
    assert _rows(history, AGING.replace("?", "DATE '2026-01-31'")) == [
        (jan, "all", 2, Decimal("150.00")), (jan, "cards", 1, Decimal("50.00")), (jan, "loans", 1, Decimal("100.00"))]
    # August: A2 has bought 50.00 + 7 × 10.00
    aug = date(2026, 8, 31)
    assert _rows(history, AGING.replace("?", "DATE '2026-08-31'")) == [
        (aug, "all", 2, Decimal("220.00")), (aug, "cards", 1, Decimal("120.00")), (aug, "loans", 1, Decimal("100.00"))]
    assert _rows(history, "SELECT DISTINCT portfolio FROM marts.account_month WHERE account_id = 'A1'") == [("loans",)]
    run(landing, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)


HARDSHIP = """SELECT month_end, segment_value, accounts, balance FROM marts.aging_by_segment
               WHERE portfolio = 'all' AND segment = 'hardship_flag' AND month_end >= DATE '2026-07-31' ORDER BY ALL"""


def test_a_hardship_flag_in_a_later_accounts_file_rebuilds_the_segments_from_its_month(tmp_path):
    landing, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    book(landing, MONTHS)  # ledger files January … September, one accounts file (January)
    run(landing, history)
    # August's accounts file: A1 is now bankrupt; A2 as before (its limit written without decimals)
    write(landing, "accounts", "2026-08", ACC + ["region", "hardship_flag"], [
        ["A1", "cards", "revolving", "2026-01-05", "", "USD", "1000.00", "", "", "bankrupt"],
        ["A2", "cards", "revolving", "2026-01-06", "", "USD", "1000", "", "", ""]])
    p = plan(landing, history)
    # the flag is in force from August: without it only September would be rebuilt
    assert (p.first, p.last, p.full) == ("2026-02", "2026-09", False)
    assert p.reasons[0] == "accounts/accounts_2026-08.csv: 0 new and 1 changed accounts"
    run(landing, history)
    jul, aug, sep = date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30)
    assert _rows(history, HARDSHIP) == [
        (jul, "none", 2, Decimal("210.00")),
        (aug, "bankrupt", 1, Decimal("100.00")), (aug, "none", 1, Decimal("120.00")),
        (sep, "bankrupt", 1, Decimal("100.00")), (sep, "none", 1, Decimal("130.00"))]
    run(landing, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)


def test_a_range_that_misses_a_changed_month_is_refused_and_arrears_run_rebuilds_all(tmp_path, monkeypatch, capsys,
                                                                                     built_copy):
    from pipelines import incremental
    from pipelines.runner import run_pipeline

    landing, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    eight_months(built_copy, tmp_path)  # book(landing, MONTHS[:8]) and run(landing, history)
    book(landing, MONTHS, a1_portfolio_from_last="loans")
    settings = Settings.from_env(landing=str(landing), warehouse=str(history),
                                 reports=str(history.with_suffix(".reports")))
    out = run_pipeline(settings, quiet=True, months=("2026-09", "2026-09"))
    assert not out.success
    flows, failed = sorted(out.failed_steps)
    assert flows.startswith("intermediate__ledger_flows: ") and MonthsOutsideRun.__name__ in flows
    # A1's only entry is in January: its flows move to loans there
    assert "intermediate.ledger_flows: the rows of month(s) 2026-01-31 changed, and the figures of 2026-01-31" in flows
    assert failed.startswith("marts__account_month: ") and MonthsOutsideRun.__name__ in failed
    assert ("marts.account_month: the rows of month(s) 2026-01-31, 2026-02-28, 2026-03-31, 2026-04-30, "
            "2026-05-31, 2026-06-30, 2026-07-31, 2026-08-31, 2026-09-30 changed") in failed
    assert "this run rebuilds only the month ends 2026-09-30 … 2026-09-30; run again from 2026-01-31" in failed
    # the run was rolled back: A1 is still in cards
    assert _rows(history, "SELECT DISTINCT portfolio FROM marts.account_month WHERE account_id = 'A1'") == [("cards",)]

    # arrears run with a plan that misses the transfer: refused, then run again over every month
    real = incremental.plan_run
    monkeypatch.setattr(incremental, "plan_run", lambda s, rebuild=False: real(s, rebuild) if rebuild else
                        incremental.Plan("2026-09", "2026-09", False, ["a plan that misses a month"]))
    run(landing, history)
    assert "running again over every month" in capsys.readouterr().err
    assert _rows(history, "SELECT DISTINCT portfolio FROM marts.account_month WHERE account_id = 'A1'") == [("loans",)]
    run(landing, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)


# ---- the ledger's rules judged for a month added (staging.ledger keeps the stored judgement) ----------

APPENDED = "added to the stored judgement"
ACCOUNTS_APPLIED = "accounts: 1 new file(s) applied to the stored versions"
REJECTED = "SELECT source_file, line_number, reason FROM audit.rejected_rows WHERE entity = 'ledger' ORDER BY 1, 2"


def two_accounts(closed_a2: str = "") -> list[list]:
    return [["A1", "cards", "revolving", "2026-01-05", "", "USD", "1000.00", ""],
            ["A2", "cards", "revolving", "2026-01-06", closed_a2, "USD", "1000.00", ""]]


def add_month_and_compare(tmp_path: Path, capsys, months: dict, accounts: dict) -> list[tuple]:
    """Land every month but the last, build, land the last; the run must add the last month's ledger file
    to the stored judgement (not judge every file again) and end with the tables of a rebuild. Returns
    the ledger's rejected rows."""
    landing, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    keys = sorted(months)
    for month in keys[:-1]:
        write(landing, "ledger", month, LED, months[month])
        if month in accounts:
            write(landing, "accounts", month, ACC, accounts[month])
    run(landing, history)
    capsys.readouterr()
    write(landing, "ledger", keys[-1], LED, months[keys[-1]])
    if keys[-1] in accounts:
        write(landing, "accounts", keys[-1], ACC, accounts[keys[-1]])
    run(landing, history)
    err = capsys.readouterr().err
    assert APPENDED in err and "every file judged again" not in err
    assert (ACCOUNTS_APPLIED in err) == (keys[-1] in accounts) and "accounts: every file read" not in err
    run(landing, rebuilt, "--rebuild")
    assert "every file judged again: arrears run --rebuild" in capsys.readouterr().err
    assert_same_tables(history, rebuilt)
    return _rows(history, REJECTED)


def test_a_new_month_repeating_an_earlier_entry_id_is_rejected_as_a_rebuild_rejects_it(tmp_path, capsys):
    rejected = add_month_and_compare(tmp_path, capsys, {
        "2026-01": [["E1", "A1", "2026-01-10", "purchase", "100.00", "", ""]],
        "2026-02": [["E2", "A1", "2026-02-10", "purchase", "10.00", "", ""],
                    ["E1", "A2", "2026-02-11", "purchase", "5.00", "", ""],   # repeats January's E1
                    ["E3", "A2", "2026-02-12", "purchase", "7.00", "", ""],
                    ["E3", "A2", "2026-02-13", "purchase", "8.00", "", ""]]},  # repeats E3 of the same file
        {"2026-01": two_accounts()})
    assert rejected == [
        ("ledger/ledger_2026-02.csv", 3, "duplicate entry_id 'E1' (first loaded from ledger/ledger_2026-01.csv line 2)"),
        ("ledger/ledger_2026-02.csv", 5, "duplicate entry_id 'E3' (first loaded from ledger/ledger_2026-02.csv line 4)")]


def test_a_reversal_of_an_earlier_months_payment_is_judged_as_a_rebuild_judges_it(tmp_path, capsys):
    rejected = add_month_and_compare(tmp_path, capsys, {
        "2026-01": [["E1", "A1", "2026-01-10", "purchase", "100.00", "", ""],
                    ["P1", "A1", "2026-01-20", "payment", "50.00", "", ""],
                    ["P2", "A2", "2026-01-21", "payment", "5.00", "", ""]],
        "2026-02": [["R1", "A1", "2026-02-03", "payment_reversal", "50.00", "", "P1"],
                    ["R2", "A1", "2026-02-04", "payment_reversal", "50.00", "", "P1"],   # P1 reversed already
                    ["R3", "A2", "2026-02-05", "payment_reversal", "50.00", "", "P1"],   # not A2's payment
                    ["R4", "A2", "2026-02-06", "payment_reversal", "5.00", "", "P2"]]},
        {"2026-01": two_accounts()})
    assert rejected == [
        ("ledger/ledger_2026-02.csv", 3, "payment 'P1' is already reversed by entry 'R1'"),
        ("ledger/ledger_2026-02.csv", 4, "payment_reversal names 'P1', which is not a loaded payment of account 'A2'")]


def test_a_charge_off_in_the_new_month_is_judged_as_a_rebuild_judges_it(tmp_path, capsys):
    rejected = add_month_and_compare(tmp_path, capsys, {
        "2026-01": [["E1", "A1", "2026-01-10", "purchase", "100.00", "", ""],
                    ["E2", "A2", "2026-01-11", "purchase", "100.00", "", ""],
                    ["C0", "A2", "2026-01-20", "charge_off", "100.00", "", ""]],
        "2026-02": [["C1", "A1", "2026-02-10", "charge_off", "100.00", "", ""],
                    ["C2", "A1", "2026-02-10", "charge_off", "100.00", "", ""],   # a second charge-off that day
                    ["F1", "A1", "2026-02-20", "fee", "5.00", "", ""],           # after the charge-off
                    ["V1", "A1", "2026-02-21", "recovery", "20.00", "", ""],
                    ["F2", "A2", "2026-02-03", "fee", "5.00", "", ""],           # after January's charge-off
                    ["V2", "A2", "2026-02-04", "recovery", "5.00", "", ""]]},
        {"2026-01": two_accounts()})
    assert rejected == [
        ("ledger/ledger_2026-02.csv", 3, "account already charged off on 2026-02-10 by entry 'C1'"),
        ("ledger/ledger_2026-02.csv", 4, ("fee posted on 2026-02-20 after the account's charge-off on 2026-02-10 "
                                         "(only recovery may follow)")),
        ("ledger/ledger_2026-02.csv", 6, ("fee posted on 2026-02-03 after the account's charge-off on 2026-01-20 "
                                         "(only recovery may follow)"))]


def test_an_accounts_file_that_closes_an_account_rejects_its_later_entries_as_a_rebuild_does(tmp_path, capsys):
    accounts = [["A1", "cards", "revolving", "2026-01-05", "", "USD", "1000.00", ""],
                ["A2", "cards", "revolving", "2026-01-06", "", "USD", "1000.00", ""],
                ["A3", "cards", "revolving", "2026-01-07", "2026-01-31", "USD", "1000.00", ""],
                ["A4", "cards", "revolving", "2026-01-08", "", "USD", "1000.00", ""]]
    march = [["A1", "cards", "revolving", "2026-01-05", "2026-01-25", "USD", "1000.00", ""],  # closed in January
             ["A3", "cards", "revolving", "2026-01-07", "", "USD", "1000.00", ""],            # open again
             ["A4", "cards", "revolving", "2026-01-08", "2026-03-02", "USD", "1000.00", ""]]  # closes in March
    rejected = add_month_and_compare(tmp_path, capsys, {
        "2026-01": [["E1", "A1", "2026-01-10", "purchase", "20.00", "", ""],
                    ["P1", "A1", "2026-01-20", "payment", "20.00", "", ""],
                    ["E2", "A2", "2026-01-10", "purchase", "20.00", "", ""],
                    ["E3", "A3", "2026-01-10", "purchase", "20.00", "", ""],
                    ["P3", "A3", "2026-01-20", "payment", "20.00", "", ""],
                    ["E4", "A4", "2026-01-10", "purchase", "20.00", "", ""]],
        "2026-02": [["F1", "A1", "2026-02-03", "fee", "1.00", "", ""],     # loaded, then after A1's closure
                    ["F3", "A3", "2026-02-03", "fee", "1.00", "", ""],     # rejected, then loaded again
                    ["P4", "A4", "2026-02-05", "payment", "20.00", "", ""]],
        "2026-03": [["F5", "A1", "2026-03-03", "fee", "1.00", "", ""],
                    ["F6", "A2", "2026-03-03", "fee", "1.00", "", ""]]},  # A4 closes at the March month end
        {"2026-01": accounts, "2026-03": march})
    assert _rows(tmp_path / "history.duckdb", "SELECT account_id, closed_at FROM staging.ledger_closures "
                                              "JOIN staging.accounts USING (account_key) ORDER BY 1") == [
        ("A1", date(2026, 1, 31)), ("A4", date(2026, 3, 31))]
    assert rejected == [
        ("ledger/ledger_2026-02.csv", 2, ("fee posted on 2026-02-03 after the account was reported closed at "
                                         "month end 2026-01-31")),
        ("ledger/ledger_2026-03.csv", 2, ("fee posted on 2026-03-03 after the account was reported closed at "
                                         "month end 2026-01-31"))]


def test_a_later_accounts_file_is_applied_to_the_stored_versions_as_a_rebuild_reads_every_file(tmp_path, capsys):
    jan = [["A1", "cards", "revolving", "2026-01-05", "", "USD", "1000.00", ""],
           ["A2", "cards", "revolving", "2026-01-06", "", "USD", "1000.00", ""],
           ["A3", "cards", "revolving", "2026-13-01", "", "USD", "1000.00", ""]]         # rejected
    feb = [["A2", "cards", "revolving", "2026-01-06", "", "USD", "2000.00", ""],         # a second version
           ["A1", "cards", "revolving", "2026-01-05", "", "USD", "1000.00", ""],         # the same version again
           ["A1", "cards", "revolving", "2026-01-05", "", "USD", "900.00", ""]]          # repeated in the file
    add_month_and_compare(tmp_path, capsys, {
        "2026-01": [["E1", "A1", "2026-01-10", "purchase", "100.00", "", ""]],
        "2026-02": [["E2", "A2", "2026-02-10", "purchase", "10.00", "", ""]]},
        {"2026-01": jan, "2026-02": feb})
    history = tmp_path / "history.duckdb"
    assert _rows(history, """SELECT account_id, credit_limit, first_file_month, last_file_month, files, line_number,
                                    last_line_number FROM staging.account_versions ORDER BY 1, 2""") == [
        ("A1", Decimal("1000.00"), date(2026, 1, 1), date(2026, 2, 1), 2, 2, 3),
        ("A2", Decimal("1000.00"), date(2026, 1, 1), date(2026, 1, 1), 1, 3, 3),
        ("A2", Decimal("2000.00"), date(2026, 2, 1), date(2026, 2, 1), 1, 2, 2)]
    assert _rows(history, "SELECT source_file, line_number FROM audit.rejected_rows WHERE entity = 'accounts' "
                          "ORDER BY 1, 2") == [("accounts/accounts_2026-01.csv", 4), ("accounts/accounts_2026-02.csv", 4)]
    assert _rows(history, "SELECT source_file, rows_loaded FROM audit.source_files WHERE entity = 'accounts' "
                          "ORDER BY 1") == [("accounts/accounts_2026-01.csv", 2), ("accounts/accounts_2026-02.csv", 2)]


def test_a_payment_named_by_an_earlier_rejected_reversal_has_every_file_judged_again(tmp_path, capsys):
    landing, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    write(landing, "accounts", "2026-01", ACC, two_accounts())
    write(landing, "ledger", "2026-01", LED, [["E1", "A1", "2026-01-10", "purchase", "100.00", "", ""],
                                              ["R0", "A1", "2026-01-15", "payment_reversal", "20.00", "", "P9"]])
    run(landing, history)
    assert _rows(history, REJECTED) == [
        ("ledger/ledger_2026-01.csv", 3, "payment_reversal names 'P9', which is not a loaded payment of account 'A1'")]
    capsys.readouterr()
    write(landing, "ledger", "2026-02", LED, [["P9", "A1", "2026-02-10", "payment", "20.00", "", ""]])
    run(landing, history)
    assert ("ledger: every file judged again: 1 new payment(s) named by a rejected reversal of an earlier month"
            in capsys.readouterr().err)
    # the reversal's reason changes: the payment it names is loaded now, but posted after it
    assert _rows(history, REJECTED) == [
        ("ledger/ledger_2026-01.csv", 3, ("payment_reversal posted on 2026-01-15 before the payment it names "
                                         "(P9, posted 2026-02-10)"))]
    run(landing, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)


def test_a_warehouse_built_before_a_table_was_added_rebuilds_every_month(tmp_path):
    """A warehouse of an earlier version of arrears lacks the per-month tables added since (here
    marts.vintage_curves and marts.loss_backtest, issue 17): an incremental run would build only its
    latest months of them, so the plan rebuilds every month, and the result equals a rebuild."""
    sample, history, rebuilt = tmp_path / "landing", tmp_path / "history.duckdb", tmp_path / "rebuilt.duckdb"
    assert cli(["sample", str(sample), "--accounts", "150", "--months", "4", "--seed", "9"]) == 0
    run(sample, history)
    con = duckdb.connect(str(history))
    con.execute("DROP TABLE marts.vintage_curves")
    con.execute("DROP TABLE marts.loss_backtest")
    con.close()
    p = plan(sample, history)
    assert (p.first, p.last, p.full) == ("2026-07", "2026-10", True)
    assert p.reasons == ["the warehouse has no marts.vintage_curves, marts.loss_backtest yet (built by this version "
                         "of arrears, not by the one that built the warehouse)"]
    run(sample, history)
    run(sample, rebuilt, "--rebuild")
    assert_same_tables(history, rebuilt)
