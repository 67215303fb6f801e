"""Hand-made books driven through the `arrears` command in this process (`hand_book`).

    def test_something(hand_book):
        book = hand_book()
        book.write("accounts", "2026-08", [book.account("A1", opened_on="2026-08-01")])
        book.write("ledger", "2026-08", [book.entry("E1", "A1", "2026-08-05", "purchase", "100.00")])
        assert book.arrears("run") == 0                      # --landing/--warehouse/--reports added
        assert book.arrears("close", "2026-08", "--by", "alice") == 0
        book.query("SELECT * FROM published.closes")
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main as cli

COLUMNS = {
    "accounts": ["account_id", "portfolio", "product_type", "opened_on", "closed_on", "currency", "credit_limit",
                 "original_principal", "region", "hardship_flag"],
    "ledger": ["entry_id", "account_id", "posted_on", "entry_type", "amount", "due_on", "reverses_entry_id"],
    "complaints": ["complaint_id", "account_id", "received_on", "submitted_via", "product", "issue", "sub_issue",
                   "responded_on", "closed_on", "company_response"],
}


class HandBook:
    """A landing folder, a warehouse and a reports folder under `root`."""

    def __init__(self, root: Path):
        self.root, self.landing = root, root / "landing"
        self.warehouse, self.reports = root / "w.duckdb", root / "reports"

    def path(self, entity: str, month: str) -> Path:
        return self.landing / entity / f"{entity}_{month}.csv"

    def write(self, entity: str, month: str, rows: list[dict]) -> Path:
        path = self.path(entity, month)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, COLUMNS[entity], lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        return path

    def sha256(self, entity: str, month: str) -> str:
        return hashlib.sha256(self.path(entity, month).read_bytes()).hexdigest()

    @staticmethod
    def account(account_id: str, opened_on: str, portfolio: str = "p1") -> dict:
        return {"account_id": account_id, "portfolio": portfolio, "product_type": "revolving", "opened_on": opened_on,
                "currency": "USD", "credit_limit": "1000.00"}

    @staticmethod
    def entry(entry_id: str, account_id: str, posted_on: str, entry_type: str, amount: str,
              due_on: str | None = None) -> dict:
        return {"entry_id": entry_id, "account_id": account_id, "posted_on": posted_on, "entry_type": entry_type,
                "amount": amount, "due_on": due_on}

    @staticmethod
    def complaint(complaint_id: str, account_id: str, received_on: str, company_response: str = "In progress",
                  responded_on: str | None = None, closed_on: str | None = None) -> dict:
        return {"complaint_id": complaint_id, "account_id": account_id, "received_on": received_on,
                "submitted_via": "web", "product": "Credit card", "issue": "Communication tactics",
                "responded_on": responded_on, "closed_on": closed_on, "company_response": company_response}

    def arrears(self, command: str, *args: str) -> int:
        """`arrears COMMAND ARGS` in this process, on this book's landing, warehouse and reports."""
        where = {"run": ["--landing", str(self.landing)], "close": [], "status": []}[command]
        return cli([command, *args, *where, "--warehouse", str(self.warehouse), "--reports", str(self.reports)])

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture
def hand_book(tmp_path, monkeypatch):
    """A factory of hand-made books in this test's folder; runs go to a throwaway Dagster instance."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    made = iter(range(100))
    return lambda: HandBook(tmp_path / f"book{next(made)}")
