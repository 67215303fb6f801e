"""The warehouse resource: the one DuckDB connection every asset and check runs its SQL through."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import dagster as dg
import duckdb

SCHEMAS = ("raw", "staging", "intermediate", "marts", "audit")


def connect(path: str, memory_limit: str = "6GB", threads: int = 0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (creating its folder and schemas) with the run's limits."""
    if path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    con = duckdb.connect(path)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return con


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse file plus the run's settings (landing folder, reports folder, DPD tolerance)."""

    path: str
    landing: str
    reports: str
    dpd_tolerance: str = "5.00"
    memory_limit: str = "6GB"
    threads: int = 0

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.path, self.memory_limit, self.threads)
        try:
            yield con
        finally:
            con.close()
