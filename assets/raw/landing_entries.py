"""raw.landing_entries: every entry of the landing folder and what was done with it (read, unknown, not
read, ignored (hidden)), so that a folder or file that was not read is on record in the warehouse and not
only in a log. Each raw asset records the entries it reports (see LandingEntry.asset) and replaces them on
every run."""

from __future__ import annotations

import duckdb

from .landing import LandingInventory

DDL = """CREATE TABLE IF NOT EXISTS raw.landing_entries (path VARCHAR, kind VARCHAR, action VARCHAR,
    note VARCHAR, reported_by VARCHAR, inspected_at TIMESTAMP)"""


def record_landing_entries(con: duckdb.DuckDBPyConnection, inventory: LandingInventory, entity: str) -> None:
    """Replace the rows of raw.landing_entries reported by raw.<entity> with the inventory's entries."""
    con.execute(DDL)
    con.execute("DELETE FROM raw.landing_entries WHERE reported_by = ?", [f"raw.{entity}"])
    rows = [(e.path, e.kind, e.action, e.note, f"raw.{entity}") for e in inventory.entries if e.asset == entity]
    if rows:
        con.executemany("INSERT INTO raw.landing_entries VALUES (?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)", rows)
