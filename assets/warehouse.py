"""The warehouse resource: the one DuckDB connection every asset and check runs its SQL through.

It lives with the assets (the lowest layer that uses it): the assets and checks run their SQL through
it, and pipelines/ only configures it from the settings."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from assets.domain import DEFAULT_DPD_TOLERANCE

SCHEMAS = ("raw", "staging", "intermediate", "marts", "audit")


def connect(path: str, memory_limit: str = "6GB", threads: int = 0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (creating its folder and schemas) with the run's limits."""
    problem = warehouse_name_problem(path)
    if problem:
        raise ValueError(problem)
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
    """DuckDB warehouse file plus the run's settings (landing folder, reports folder, DPD tolerance).

    A run opens the file once (`setup_for_execution`) and every step of that process runs on the same
    connection, closed — and so checkpointed — when the run's steps are done, because opening the file
    and checkpointing it on close is a fixed cost that would otherwise be paid by every step. Temporary
    tables and views a step leaves behind are dropped when it hands the connection back, so no step sees
    another's scratch tables. Outside a run (tests, scripts), `connection()` opens and closes its own."""

    path: str
    landing: str
    reports: str
    dpd_tolerance: str = DEFAULT_DPD_TOLERANCE
    memory_limit: str = "6GB"
    threads: int = 0
    strict_landing: bool = False  # an unknown name in the landing folder is refused, not a warning
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._con = connect(self.path, self.memory_limit, self.threads)
        # The run makes the warehouse durable once, at its end (teardown: close, then sync_to_disk),
        # instead of DuckDB waiting for the disk at every commit of a step: everything in the file can
        # be rebuilt from the landing files, so per-commit durability buys nothing. Should the machine
        # itself crash mid-run, the warehouse file may be unreadable afterwards: delete it and run again.
        # A crash of the process alone loses nothing that was committed.
        self._con.execute("SET fsync_mode = 'NONE'")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
            sync_to_disk(self.path)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._con is None:
            con = connect(self.path, self.memory_limit, self.threads)
            try:
                yield con
            finally:
                con.close()
            return
        try:
            yield self._con
        finally:
            drop_scratch(self._con)


def sync_to_disk(path: str) -> None:
    """Wait until the warehouse file, and its folder's entries (the removed WAL), are on stable storage."""
    if path == ":memory:":
        return
    for target in (path, os.path.dirname(os.path.abspath(path))):
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the connection's temporary tables and views (a step's scratch work)."""
    for name, kind in con.execute(
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
            "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal").fetchall():
        con.execute(f'DROP {kind} IF EXISTS temp.main."{name}"')


def warehouse_name_problem(path: str) -> str | None:
    """DuckDB names a database after its file, so a warehouse called raw.duckdb (or staging, marts,
    intermediate, audit) would make every reference to that schema ambiguous."""
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    if path != ":memory:" and stem in SCHEMAS:
        return (f"warehouse file {path!r}: a DuckDB file named after one of the warehouse's schemas "
                f"({', '.join(SCHEMAS)}) makes that schema's name ambiguous; choose another name, "
                "e.g. warehouse.duckdb")
    return None
