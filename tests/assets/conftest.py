"""Landing folders written by hand, and the ingestion steps run on them as plain functions.

    def test_something(landing):
        landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
        landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
            landing.entry("E1", "A1", "2026-01-20", "purchase", "100.00")])
        con = landing.ingest()
        assert landing.rejected(con) == {}
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path

import duckdb
import pytest

from assets.raw.load import load_entity
from assets.staging.accounts import build_accounts
from assets.staging.audit import build_rejected_rows, build_source_files
from assets.staging.complaints import build_complaints
from assets.staging.fx_rates import build_fx_rates
from assets.staging.ledger import build_ledger
from assets.warehouse import connect

ACC_COLS = ["account_id", "portfolio", "product_type", "opened_on", "closed_on", "currency", "credit_limit",
            "original_principal", "region", "hardship_flag"]
LED_COLS = ["entry_id", "account_id", "posted_on", "entry_type", "amount", "due_on", "reverses_entry_id"]


def write_csv(landing, entity: str, month: str, header: list[str], rows: list[list], fmt: str = "csv") -> str:
    folder = os.path.join(landing, entity)
    os.makedirs(folder, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    path = os.path.join(folder, f"{entity}_{month}.{fmt}")
    if fmt == "csv.gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
    elif fmt == "parquet":
        import polars as pl

        data = {h: [None if r[i] in (None, "") else str(r[i]) for r in rows] for i, h in enumerate(header)}
        pl.DataFrame(data, schema={h: pl.Utf8 for h in header}).write_parquet(path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
    return path


def account(aid="A1", product="revolving", opened="2026-01-15", closed=None, portfolio="cards-us", **kw):
    row = {"account_id": aid, "portfolio": portfolio, "product_type": product, "opened_on": opened,
           "closed_on": closed, "currency": "USD",
           "credit_limit": "1000.00" if product == "revolving" else None,
           "original_principal": "5000.00" if product == "installment" else None,
           "region": "NY", "hardship_flag": None}
    row.update(kw)
    return [row[c] for c in ACC_COLS]


def entry(eid, aid, posted, etype, amount, due_on=None, reverses=None):
    return [eid, aid, posted, etype, amount, due_on, reverses]


def ingest(landing, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """raw → staging → audit, exactly as the assets do it, on an in-memory warehouse."""
    con = con or connect(":memory:")
    for entity in ("accounts", "ledger", "complaints", "fx"):
        load_entity(con, str(landing), entity)
    build_accounts(con)
    build_ledger(con)
    build_complaints(con)
    build_fx_rates(con)
    build_rejected_rows(con)
    build_source_files(con)
    return con


def rejected(con) -> dict[tuple[str, int], str]:
    return {(f, n): r for f, n, r in con.execute(
        "SELECT source_file, line_number, reason FROM audit.rejected_rows").fetchall()}


class Landing:
    """A landing folder (`path`): write contract files into it, then ingest it.

    write_csv(entity, month, header, rows, fmt="csv")  -> the path of <entity>/<entity>_<month>.<fmt>
    ingest(con=None)  -> raw → staging → audit on an in-memory warehouse (or on `con`, a later run)
    rejected(con)     -> {(source_file, line_number): reason} from audit.rejected_rows
    account(...), entry(...)  -> a row of an accounts / ledger file, in ACC_COLS / LED_COLS order
    """

    ACC_COLS = ACC_COLS
    LED_COLS = LED_COLS
    account = staticmethod(account)
    entry = staticmethod(entry)
    rejected = staticmethod(rejected)

    def __init__(self, path: Path):
        self.path = Path(path)

    def write_csv(self, entity: str, month: str, header: list[str], rows: list[list], fmt: str = "csv") -> str:
        return write_csv(self.path, entity, month, header, rows, fmt)

    def ingest(self, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
        return ingest(self.path, con)


@pytest.fixture
def landing_at():
    """landing_at(folder): a Landing on any folder (e.g. a second landing beside the first)."""
    return Landing


@pytest.fixture
def landing(tmp_path) -> Landing:
    """An empty Landing on tmp_path."""
    return Landing(tmp_path)
