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
from assets.publishing import (RunLock, draft_folder, end_run, fault_point, input_manifest, last_published,
                               manifest_sha256, now, record_check_results, recover_reports, rejection_summary,
                               start_run, swap_in_draft)
from assets.restatements import record as record_restatements

SCHEMAS = ("raw", "staging", "intermediate", "marts", "audit", "published")


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
    connection, because opening the file and checkpointing it on close is a fixed cost that would
    otherwise be paid by every step. Temporary tables and views a step leaves behind are dropped when it
    hands the connection back, so no step sees another's scratch tables.

    A run is published all or nothing (assets/publishing.py): it holds the run lock, writes inside one
    transaction, and at its end commits and swaps in the reports it drafted only when no step and no
    blocking check failed; otherwise it rolls back and the last good warehouse and reports stay as they
    were. Every run is recorded in audit.runs. Outside a run (tests, scripts), `connection()` opens and
    closes its own connection, without a transaction."""

    path: str
    landing: str
    reports: str
    dpd_tolerance: str = DEFAULT_DPD_TOLERANCE
    memory_limit: str = "6GB"
    threads: int = 0
    wait_for_lock: float = 0.0  # seconds a run waits for another run's lock (inf: no limit)
    reject_share: float = 0.01  # rejected rows of an entity above this share of its rows read ...
    reject_min_rows: int = 100  # ... and at least this many fail the run (checks/staging/rejections.py)
    strict_landing: bool = False  # an unknown name in the landing folder is refused, not a warning
    reporting_currency: str = ""  # ISO 4217 code the converted marts are in; "" converts nothing
    # Closed months this run may change (comma-separated YYYY-MM; `arrears close MONTH --restate`), and who
    # approves that and why (shown on the pages of the run, recorded with the next close version).
    restate_months: str = ""
    restate_by: str = ""
    restate_note: str = ""
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _lock: RunLock | None = PrivateAttr(default=None)
    _run_id: str | None = PrivateAttr(default=None)
    _restatements: list = PrivateAttr(default_factory=list)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run_id = context.run_id or "no-run"
        lock = RunLock(self.path)
        lock.acquire(run_id, self.wait_for_lock, log=context.log.info if context.log else (lambda m: None))
        self._lock, self._run_id = lock, run_id
        self._restatements = []
        try:
            self._con = connect(self.path, self.memory_limit, self.threads)
            # The run makes the warehouse durable once, at its end (teardown: close, then sync_to_disk),
            # instead of DuckDB waiting for the disk at every commit: everything in the file can be
            # rebuilt from the landing files, so per-commit durability buys nothing. A crash of the
            # process loses only the uncommitted run; should the machine itself crash mid-run, the
            # warehouse file may be unreadable afterwards: delete it and run again.
            self._con.execute("SET fsync_mode = 'NONE'")
            recover_reports(self.reports, last_published(self._con), log=context.log.info if context.log else print)
            start_run(self._con, run_id, self.landing, self.reports, self.dpd_tolerance, self.parameters())
            self._con.execute("BEGIN TRANSACTION")
        except BaseException:
            self._close()
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._con is None:
            self._close()
            return
        con, run_id = self._con, self._run_id
        failures = run_failures(context)
        checks = run_check_results(context)
        rejections = manifest_hash = None
        try:
            rejections = rejection_summary(con)
            manifest_hash = manifest_sha256(input_manifest(con))
        except duckdb.Error:
            pass  # an aborted transaction (a step's SQL failed): the run has failed anyway
        if failures:
            con.execute("ROLLBACK")
            end_run(con, run_id, "failed", "; ".join(failures)[:4000], rejections, manifest_hash)
            record_check_results(con, run_id, checks)
            record_restatements(con, run_id, self._restatements, now())
        else:
            # inside the transaction: committed with it
            end_run(con, run_id, "published", None, rejections, manifest_hash)
            record_check_results(con, run_id, checks)
            record_restatements(con, run_id, self._restatements, now())
            fault_point("warehouse:before-commit")
            con.execute("COMMIT")
            fault_point("warehouse:after-commit")
            swap_in_draft(self.reports)
        self._close()

    def report_restatements(self, findings: list[dict]) -> None:
        """Findings of the closed-month checks (assets/restatements.py), written into audit.restatements
        when the run ends: after its rollback, so that a run refused for them keeps them on record."""
        self._restatements.extend(findings)

    @property
    def restating(self) -> tuple[str, ...]:
        """The closed months (YYYY-MM) this run may change."""
        return tuple(m.strip() for m in self.restate_months.split(",") if m.strip())

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
            sync_to_disk(self.path)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def parameters(self) -> dict:
        """Every setting of the run, as recorded in audit.runs (and shown as the run's tags)."""
        return {"landing": self.landing, "reports": self.reports, "warehouse": self.path,
                "dpd_tolerance": self.dpd_tolerance, "reject_share": self.reject_share,
                "reject_min_rows": self.reject_min_rows, "strict_landing": self.strict_landing,
                "memory_limit": self.memory_limit, "threads": self.threads,
                "reporting_currency": self.reporting_currency,
                **({"restate_months": self.restate_months, "restate_by": self.restate_by,
                    "restate_note": self.restate_note} if self.restate_months else {})}

    @property
    def reports_draft(self) -> str:
        """Where this run writes its pages; swapped into `reports` when the run publishes."""
        return draft_folder(self.reports)

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
            self._con.execute("SELECT 1").fetchall()
        except duckdb.TransactionException:
            raise RunAborted("not run: an earlier step's SQL failed inside the run's transaction, so nothing "
                             "more can be written; the run will be rolled back (the first error says why)") from None
        try:
            yield self._con
        except BaseException:
            try:
                drop_scratch(self._con)
            except duckdb.Error:
                pass  # the step's own error is the one to report (its failed SQL aborted the transaction)
            raise
        try:
            drop_scratch(self._con)
        except duckdb.TransactionException:
            pass  # the step's SQL failed and it reported that itself (a check does): the run rolls back


class RunAborted(Exception):
    """A step asked for the warehouse after an earlier step's SQL failed: DuckDB has aborted the run's
    transaction (any error does), so the run can only be rolled back."""


def run_failures(context: dg.InitResourceContext) -> list[str]:
    """What failed in the run so far: its failed steps and its failed checks of ERROR severity (a
    warning-level check that fails is reported, not a failure). Read from the run's event log."""
    if context.instance is None or not context.run_id:
        return []
    failed = []
    records = context.instance.all_logs(context.run_id, of_type={dg.DagsterEventType.STEP_FAILURE,
                                                                dg.DagsterEventType.ASSET_CHECK_EVALUATION})
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            failed.append(f"step {event.step_key} failed")
        else:
            ev = event.event_specific_data
            if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR:
                failed.append(f"check {ev.asset_key.to_user_string()}:{ev.check_name} failed"
                              + (f" ({ev.description[:600]})" if ev.description else ""))
    return failed


def run_check_results(context: dg.InitResourceContext) -> list[dict]:
    """Every check the run evaluated, with its severity, result, description and evidence (metadata),
    read from the run's event log."""
    if context.instance is None or not context.run_id:
        return []
    out = []
    for record in context.instance.all_logs(context.run_id, of_type={dg.DagsterEventType.ASSET_CHECK_EVALUATION}):
        event = record.dagster_event
        if event is None:
            continue
        ev = event.event_specific_data
        out.append({"asset": ev.asset_key.to_user_string(), "check_name": ev.check_name,
                    "severity": ev.severity.value, "passed": bool(ev.passed), "description": ev.description,
                    "metadata": {k: getattr(v, "value", str(v)) for k, v in (ev.metadata or {}).items()}})
    return out


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
