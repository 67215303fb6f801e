"""Fixtures every test folder may use.

Tiny staging tables (the schema of docs/architecture.md) built from Python lists, for the mart and check
tests: `staging` gives the row builders, `staging_db` the in-memory warehouse holding them.

    def test_something(staging, staging_db):
        con = staging_db(
            months=("2024-01", "2024-03"),                 # reporting months Jan..Mar 2024 (month ends)
            accounts=[staging.acct("A1", opened_on="2023-06-01")],
            ledger=[staging.due("A1", "2024-01-03", "100.00", "2024-01-15"),
                    staging.pay("A1", "2024-01-10", "100.00")],
        )

Files committed with the tests: `cfpb_extract` (tests/data/cfpb/) and `repo_root`.
"""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from assets.staging.ledger import create_ledger_tables

TESTS = Path(__file__).parent

# ---- staging tables from Python lists -------------------------------------------------------------------

SCHEMAS = ("staging", "marts", "intermediate")

ACCOUNTS_DDL = """CREATE OR REPLACE TABLE staging.accounts (
    account_id VARCHAR, portfolio VARCHAR, product_type VARCHAR, opened_on DATE, closed_on DATE,
    currency VARCHAR, credit_limit DECIMAL(18,2), original_principal DECIMAL(18,2), region VARCHAR,
    hardship_flag VARCHAR, source_file VARCHAR, line_number BIGINT, account_key INTEGER)"""
MONTHS_DDL = "CREATE OR REPLACE TABLE staging.reporting_months (month_end DATE)"

_ids = itertools.count(1)  # entry ids E000001, E000002, ... unique over the whole session


def d(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def acct(account_id: str, opened_on: str = "2023-01-01", portfolio: str = "p1", product_type: str = "installment",
         closed_on: str | None = None, currency: str = "USD", credit_limit: str | None = None,
         original_principal: str | None = "1000.00") -> dict:
    if product_type == "revolving" and credit_limit is None:
        credit_limit, original_principal = "5000.00", None
    return dict(account_id=account_id, portfolio=portfolio, product_type=product_type, opened_on=d(opened_on),
                closed_on=d(closed_on), currency=currency,
                credit_limit=Decimal(credit_limit) if credit_limit else None,
                original_principal=Decimal(original_principal) if original_principal else None,
                region=None, hardship_flag="none")


def entry(account_id: str, posted_on: str, entry_type: str, amount: str, due_on: str | None = None,
          reverses: str | None = None, entry_id: str | None = None) -> dict:
    return dict(entry_id=entry_id or f"E{next(_ids):06d}", account_id=account_id, posted_on=d(posted_on),
                entry_type=entry_type, amount=Decimal(amount), due_on=d(due_on), reverses_entry_id=reverses)


def due(account_id: str, posted_on: str, amount: str, due_on: str, entry_id: str | None = None) -> dict:
    return entry(account_id, posted_on, "due", amount, due_on=due_on, entry_id=entry_id)


def pay(account_id: str, posted_on: str, amount: str, entry_id: str | None = None) -> dict:
    return entry(account_id, posted_on, "payment", amount, entry_id=entry_id)


def month_ends(first: str, last: str) -> list[date]:
    """Month ends from the month of `first` (YYYY-MM) through the month of `last`, inclusive."""
    y, m = map(int, first.split("-")[:2])
    ly, lm = map(int, last.split("-")[:2])
    out = []
    while (y, m) <= (ly, lm):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(date.fromordinal(date(ny, nm, 1).toordinal() - 1))
        y, m = ny, nm
    return out


def staging_db(months: tuple[str, str] | list[date], accounts: list[dict], ledger: list[dict],
               con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB (or `con`) holding staging.accounts / staging.ledger / staging.reporting_months."""
    con = con or duckdb.connect(":memory:")
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for ddl in (ACCOUNTS_DDL, MONTHS_DDL):
        con.execute(ddl)
    create_ledger_tables(con)  # staging.ledger_entries and the view staging.ledger, as staging builds them
    ends = month_ends(*months) if isinstance(months, tuple) else list(months)
    if ends:
        con.executemany("INSERT INTO staging.reporting_months VALUES (?)", [(m,) for m in ends])
    if accounts:
        con.executemany("INSERT INTO staging.accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", [
            (a["account_id"], a["portfolio"], a["product_type"], a["opened_on"], a["closed_on"], a["currency"],
             a["credit_limit"], a["original_principal"], a["region"], a["hardship_flag"], "accounts_test.csv", i + 1)
            for i, a in enumerate(accounts)])
    assign_account_keys(con)
    add_entries(con, ledger)
    return con


def assign_account_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Number the accounts 1..N in account_id order (as staging does for a new warehouse)."""
    con.execute("""UPDATE staging.accounts a SET account_key = k.n FROM (
                       SELECT account_id, row_number() OVER (ORDER BY account_id) AS n FROM staging.accounts) k
                   WHERE a.account_id = k.account_id""")


def add_entries(con: duckdb.DuckDBPyConnection, ledger: list[dict]) -> None:
    """Store entries (entry() dicts) in staging.ledger_entries as staging does: each with its account's
    account_key (NULL for an account_id staging.accounts lacks); the file is that of the posted month
    (ledger/ledger_YYYY-MM.csv, recorded in raw.files), the line its position in `ledger`."""
    if not ledger:
        return
    con.execute("""CREATE OR REPLACE TEMP TABLE _test_entries (entry_id VARCHAR, account_id VARCHAR, posted_on DATE,
        entry_type VARCHAR, amount DECIMAL(18,2), due_on DATE, reverses_entry_id VARCHAR, file_month DATE,
        line_number INTEGER)""")
    con.executemany("INSERT INTO _test_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (e["entry_id"], e["account_id"], e["posted_on"], e["entry_type"], e["amount"], e["due_on"],
         e["reverses_entry_id"], e["posted_on"].replace(day=1), i + 1)
        for i, e in enumerate(ledger)])
    con.execute("""INSERT INTO raw.files (entity, source_file, file_month)
                   SELECT DISTINCT 'ledger', strftime(file_month, 'ledger/ledger_%Y-%m.csv'), file_month
                   FROM _test_entries ANTI JOIN (SELECT file_month FROM raw.files WHERE entity = 'ledger') USING (file_month)""")
    con.execute("""INSERT INTO staging.ledger_entries BY NAME
                   SELECT t.* EXCLUDE (account_id), a.account_key
                   FROM _test_entries t LEFT JOIN staging.accounts a USING (account_id)""")
    con.execute("DROP TABLE _test_entries")


@pytest.fixture(autouse=True)
def _throwaway_dagster_instance(request, monkeypatch):
    """A run started by a test goes to a throwaway in-memory Dagster instance: the persistent instance beside
    the warehouse (pipelines/instance.py) writes every event of a run to SQLite, some 2 s more per small
    run over the ~100 runs of the suite. Tests about that instance are marked `persistent_dagster`; runs
    in fixtures of a wider scope (set up before this one) and in subprocesses keep the persistent one."""
    if request.node.get_closest_marker("persistent_dagster"):
        yield
        return
    import dagster as dg

    import pipelines.instance

    monkeypatch.setattr(pipelines.instance, "persistent_instance", lambda home: dg.DagsterInstance.ephemeral())
    yield


@pytest.fixture(scope="session")
def staging() -> SimpleNamespace:
    """The row builders of the staging tables: acct(...) an account dict; entry(...), due(...), pay(...) ledger
    entry dicts (entry ids E000001... unless given); month_ends(first, last); d(text) a date; and, for a
    connection that already has the tables, assign_account_keys(con) and add_entries(con, entries)."""
    return SimpleNamespace(acct=acct, entry=entry, due=due, pay=pay, month_ends=month_ends, d=d,
                           assign_account_keys=assign_account_keys, add_entries=add_entries)


@pytest.fixture(scope="session", name="staging_db")
def _staging_db():
    """staging_db(months, accounts, ledger, con=None): an in-memory DuckDB (or `con`) holding staging.accounts,
    staging.ledger and staging.reporting_months; `months` is (first, last) as YYYY-MM or a list of month ends."""
    return staging_db


# ---- files committed with the tests ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def cfpb_extract() -> Path:
    """A cut of a real CFPB export, committed with the tests (tests/data/cfpb/README.md: source, licence, cut)."""
    return TESTS / "data" / "cfpb" / "cfpb-complaints-extract.csv"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository (workspace.yaml, pyproject.toml)."""
    return TESTS.parent


# ---- folders built once for the whole session and copied by each test that starts from them -------------

def _shared_root(tmp_path_factory) -> Path:
    """The session's temporary root, shared by the xdist workers (each has its own basetemp inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The folder `build(folder)` fills, built once per session however many tests and xdist workers ask
    for it (the first to ask builds it under a file lock, the others wait and find it built). Read it
    only: copy it (`copy_built`) before anything writes into it."""
    import fcntl

    root = _shared_root(tmp_path_factory)
    folder, done = root / f"built-{name}", root / f"built-{name}.done"
    with open(root / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def copy_built(built: Path, into: Path) -> Path:
    """Copy a built folder into `into` (created), files with their modification times (copy2), so that a
    copied landing file is the file a later run finds unchanged; returns `into`."""
    shutil.copytree(built, into, dirs_exist_ok=True)
    return into


@pytest.fixture(scope="session")
def built_copy(tmp_path_factory):
    """built_copy(name, build, into): a copy in `into` of the folder build(folder) fills, which is built
    once per session (built_once) for every test that asks for `name`; returns `into`. Call it from the
    test (or a function-scoped fixture), so that a run `build` starts goes to the throwaway Dagster instance."""
    return lambda name, build, into: copy_built(built_once(tmp_path_factory, name, build), into)


# ---- one small run of `arrears run`, for the tests of what it leaves in the warehouse and in Dagster -------

SMALL_RUN = dict(accounts=150, months=4, seed=7, end_month="2026-10")  # ledger months 2026-07 … 2026-10


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> SimpleNamespace:
    """`arrears sample` (SMALL_RUN) and `arrears run` on it, in this process, with DAGSTER_HOME unset (so
    the run goes to the instance beside the warehouse, `w.dagster/`). Gives the paths, the run's id and
    the Dagster instance folder. Read it only: tests that run again use a warehouse of their own."""
    from pipelines.cli import main as cli

    root = tmp_path_factory.mktemp("small_run")
    landing, warehouse, reports = root / "landing", root / "w.duckdb", root / "reports"
    s = SMALL_RUN
    assert cli(["sample", str(landing), "--accounts", str(s["accounts"]), "--months", str(s["months"]),
                "--seed", str(s["seed"]), "--end-month", s["end_month"]]) == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        assert cli(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--reports", str(reports),
                    "--reporting-currency", "USD"]) == 0  # as make demo: the sample's CAD converted
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        run_id = con.execute("SELECT run_id FROM audit.runs WHERE outcome = 'published'").fetchall()[0][0]
    finally:
        con.close()
    return SimpleNamespace(root=root, landing=landing, warehouse=warehouse, reports=reports,
                           dagster_home=root / "w.dagster", run_id=run_id)


@pytest.fixture(scope="session")
def small_run_metadata(small_run) -> dict[str, dict]:
    """{table name: the metadata of its materialization in small_run}, read from the run's Dagster instance."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(small_run.dagster_home))
    try:
        out = {}
        for key in instance.get_asset_keys():
            event = instance.get_latest_materialization_event(key)
            if event is not None and event.run_id == small_run.run_id:
                out[".".join(key.path)] = dict(event.asset_materialization.metadata)
        return out
    finally:
        instance.dispose()
