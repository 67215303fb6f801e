"""Publishing a run: one writer at a time, all or nothing, and a record of every run.

A run never changes what readers see until it has passed:

* **One writer.** A run holds the warehouse's run lock (`<warehouse>.lock`, an OS file lock beside the
  file, released by the OS when the process dies) from start to end; a second run is refused with the
  holder's run id, process, user and start time, or waits for it when asked to.
* **The warehouse in one transaction.** Every table a run writes is written inside one DuckDB
  transaction, committed only when no step failed and no blocking check failed; otherwise it is rolled
  back, and a killed process never commits. Nothing is copied: the transaction holds only what the run
  changes.
* **The reports by rename.** The pages are written into a sibling folder (`<reports>.next`); after the
  commit the live folder is moved aside (`<reports>.old`), the new one renamed into place and the old
  one removed. A run that finds such folders left by a killed run finishes the swap when the warehouse
  says that run published, and undoes it otherwise (`recover_reports`).
* **audit.runs** records every run (id, start, end, outcome, who, where, the rejections it counted, the
  code version, every parameter and the hash of the input files it read), and **audit.check_results**
  every check a run evaluated (result, severity and evidence); both are written outside the run's
  transaction so that failed and killed runs stay on record.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import hashlib
import json
import os
import shutil
import signal
import socket
import time
from datetime import datetime, timezone

import duckdb

from assets.sql import table_exists

RUNS_DDL = """CREATE TABLE IF NOT EXISTS audit.runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, ended_at TIMESTAMP, outcome VARCHAR,
    message VARCHAR, os_user VARCHAR, host VARCHAR, pid INTEGER, landing VARCHAR, reports VARCHAR,
    dpd_tolerance VARCHAR, rejections VARCHAR)"""
# Columns added to audit.runs after it was first created (a warehouse of an older version gains them).
RUNS_ADDED = {"code_version": "VARCHAR", "code": "VARCHAR", "parameters": "VARCHAR",
              "input_manifest_sha256": "VARCHAR"}
CHECK_RESULTS_DDL = """CREATE TABLE IF NOT EXISTS audit.check_results (
    run_id VARCHAR, asset VARCHAR, check_name VARCHAR, severity VARCHAR, passed BOOLEAN,
    description VARCHAR, metadata VARCHAR, evaluated_at TIMESTAMP)"""
RUN_MARKER = ".arrears-run"  # in a reports folder: the run that wrote it
# The folders of a reports folder, each with the one kind of file it holds: the dashboards' exports (the CSV
# of every chart and table, one Excel workbook per month; dashboards.files names them from here).
EXPORT_FOLDERS = {"data": ".csv", "workbooks": ".xlsx"}
OUTCOMES = ("running", "published", "failed", "killed")


class RunLockBusy(Exception):
    """Another run holds the warehouse's run lock."""


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def fault_point(name: str) -> None:
    """Test hook for the fault tests: the process kills itself (SIGKILL, no clean-up) at the named point
    when ARREARS_FAULT_POINT names it. Unset in production, it does nothing."""
    if os.environ.get("ARREARS_FAULT_POINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class RunLock:
    """The warehouse's run lock: `<warehouse>.lock`, holding the holder's description as JSON."""

    def __init__(self, warehouse: str):
        self.path = os.path.abspath(warehouse) + ".lock"
        self._fd: int | None = None

    def holder(self) -> dict | None:
        """The description written by the run that holds (or last held) the lock."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                return json.loads(fh.read() or "null")
        except (OSError, ValueError):
            return None

    def held_by_another(self) -> bool:
        """Whether some process holds the lock now (without taking it)."""
        if not os.path.exists(self.path):
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False

    def acquire(self, run_id: str, wait: float = 0.0, log=lambda m: None) -> None:
        """Take the lock for `run_id`; wait up to `wait` seconds (float('inf'): no limit) for a holder to
        finish, else raise RunLockBusy naming the holder."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise RunLockBusy(self.busy_message()) from None
                if not told:
                    log(f"waiting for the run lock: {self.busy_message()}")
                    told = True
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"run_id": run_id, "pid": os.getpid(), "user": _user(),
                                 "host": socket.gethostname(), "since": now().isoformat(sep=" ")}).encode())
        self._fd = fd  # (not fsynced: the description is for people; the OS lock itself is what counts)

    def busy_message(self) -> str:
        h = self.holder() or {}
        who = (f"run {h.get('run_id', '?')} (process {h.get('pid', '?')}, user {h.get('user', '?')} on "
               f"{h.get('host', '?')}, since {h.get('since', '?')} UTC)") if h else "another run"
        return (f"the warehouse {self.path[:-len('.lock')]} is being written by {who}; wait for it to end, or "
                "run with --wait to queue behind it")

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        return str(os.getuid())


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, landing: str, reports: str, tolerance: str,
              parameters: dict | None = None) -> None:
    """Record the run as running (committed at once, before the run's transaction starts), with the code
    version and every parameter it runs with; a run left 'running' by a process that died is marked
    'killed' first (the caller holds the run lock, so no other run is alive)."""
    from assets.versioning import code_summary, code_version_label

    con.execute(RUNS_DDL)
    for column, kind in RUNS_ADDED.items():
        con.execute(f"ALTER TABLE audit.runs ADD COLUMN IF NOT EXISTS {column} {kind}")
    con.execute(CHECK_RESULTS_DDL)
    con.execute("UPDATE audit.runs SET outcome = 'killed', message = 'the process ended without finishing "
                "the run (killed, or the machine stopped); nothing of it was published' "
                "WHERE outcome = 'running'")
    con.execute("""INSERT INTO audit.runs (run_id, started_at, outcome, os_user, host, pid, landing, reports,
                   dpd_tolerance, code_version, code, parameters)
                   VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, now(), _user(), socket.gethostname(), os.getpid(), landing, reports, tolerance,
                 code_version_label(), json.dumps(code_summary(), sort_keys=True),
                 json.dumps(parameters or {"dpd_tolerance": tolerance}, sort_keys=True, default=str)])


def end_run(con: duckdb.DuckDBPyConnection, run_id: str, outcome: str, message: str | None,
            rejections: list | None, input_manifest_sha256: str | None = None) -> None:
    """Record how the run ended (outside its transaction: after the commit or the rollback)."""
    assert outcome in OUTCOMES, outcome
    con.execute("""UPDATE audit.runs SET ended_at = ?, outcome = ?, message = ?, rejections = ?,
                   input_manifest_sha256 = coalesce(?, input_manifest_sha256) WHERE run_id = ?""",
                [now(), outcome, message, None if rejections is None else json.dumps(rejections),
                 input_manifest_sha256, run_id])


def input_manifest(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every input file the warehouse's raw layer read: entity, file, month and sha256, in file order."""
    if not table_exists(con, "raw.files"):
        return []
    rows = con.execute("SELECT entity, source_file, file_month, sha256 FROM raw.files "
                       "ORDER BY source_file").fetchall()
    return [{"entity": e, "source_file": f, "file_month": str(m), "sha256": h} for e, f, m, h in rows]


def manifest_sha256(files: list[dict]) -> str | None:
    """One hash naming the exact set of input files (their names and sha256), None for no file."""
    if not files:
        return None
    text = "".join(f"{f['source_file']}\t{f['sha256']}\n" for f in sorted(files, key=lambda f: f["source_file"]))
    return hashlib.sha256(text.encode()).hexdigest()


def record_check_results(con: duckdb.DuckDBPyConnection, run_id: str, results: list[dict]) -> None:
    """Write the run's check evaluations into audit.check_results (outside the run's transaction)."""
    con.execute(CHECK_RESULTS_DDL)
    if results:
        con.executemany("INSERT INTO audit.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [[run_id, r["asset"], r["check_name"], r["severity"], r["passed"], r.get("description"),
                          json.dumps(r.get("metadata") or {}, sort_keys=True, default=str), r.get("at") or now()]
                         for r in results])


def last_published(con: duckdb.DuckDBPyConnection) -> str | None:
    if not table_exists(con, "audit.runs"):
        return None
    row = con.execute("SELECT run_id FROM audit.runs WHERE outcome = 'published' "
                      "ORDER BY ended_at DESC, started_at DESC LIMIT 1").fetchall()
    return row[0][0] if row else None


def rejection_summary(con: duckdb.DuckDBPyConnection, files: list[str] | None = None) -> list[dict] | None:
    """Rejected rows by entity, file and reason (the reason's rule, without the row's own values), from
    audit.rejected_rows as this run built it (only of `files`, when given); None when the run did not
    build it."""
    if not table_exists(con, "audit.rejected_rows"):
        return None
    where = "" if files is None else "WHERE list_contains(?, source_file)"
    rows = con.execute(f"""SELECT entity, source_file, regexp_replace(reason, ':.*$', '') AS rule, count(*) AS n
        FROM audit.rejected_rows {where} GROUP BY ALL ORDER BY entity, source_file, n DESC, rule""",
                       [] if files is None else [list(files)]).fetchall()
    return [{"entity": e, "file": f, "rule": r, "rows": n} for e, f, r, n in rows]


# --- the reports folder -------------------------------------------------------------------------------

def draft_folder(reports: str) -> str:
    return os.path.abspath(reports).rstrip(os.sep) + ".next"


def _aside_folder(reports: str) -> str:
    return os.path.abspath(reports).rstrip(os.sep) + ".old"


def run_of_folder(folder: str) -> str | None:
    try:
        with open(os.path.join(folder, RUN_MARKER), encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def reports_folder_problem(reports: str) -> str | None:
    """Why `reports` cannot be the reports folder: a run replaces the whole folder, so it must not exist
    yet, or hold only what the dashboards write (pages, plotly.min.js, the run marker, and the exports'
    folders `data/` of CSV files and `workbooks/` of .xlsx files)."""
    live = os.path.abspath(reports)
    if not os.path.exists(live):
        return None
    if not os.path.isdir(live) or os.path.islink(live):
        return f"reports folder {live} is not a folder: name a folder (it is created when missing)"
    foreign = sorted(e.name + ("/" if e.is_dir() else "") for e in os.scandir(live)
                     if not (e.is_file() and (e.name.endswith(".html") or e.name in ("plotly.min.js", RUN_MARKER)))
                     and not _export_folder(e))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        return (f"reports folder {live} holds files the dashboards did not write ({shown}); a run replaces the "
                "whole folder, so name an empty or new folder for the reports")
    return None


def _export_folder(entry: os.DirEntry) -> bool:
    """A folder of the dashboards' exports holding only what they write there (`EXPORT_FOLDERS`)."""
    suffix = EXPORT_FOLDERS.get(entry.name)
    return (suffix is not None and entry.is_dir() and not entry.is_symlink()
            and all(e.is_file() and e.name.endswith(suffix) for e in os.scandir(entry.path)))


def start_draft(reports: str) -> str:
    """An empty draft folder for this run's pages (a draft a dead run left is removed)."""
    draft = draft_folder(reports)
    shutil.rmtree(draft, ignore_errors=True)
    os.makedirs(draft)
    return draft


def seal_draft(reports: str, run_id: str) -> None:
    """Mark the draft complete: its run id is written last, so a draft without it is incomplete."""
    path = os.path.join(draft_folder(reports), RUN_MARKER)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(run_id + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def swap_in_draft(reports: str) -> bool:
    """Replace the live reports folder by the sealed draft: live → aside, draft → live, aside removed.
    Returns False when there is no sealed draft (the run wrote no pages)."""
    live, draft, aside = os.path.abspath(reports), draft_folder(reports), _aside_folder(reports)
    if run_of_folder(draft) is None:
        return False
    shutil.rmtree(aside, ignore_errors=True)
    if os.path.exists(live):
        os.rename(live, aside)
    fault_point("reports:between-renames")
    os.rename(draft, live)
    _fsync_dir(os.path.dirname(live))
    shutil.rmtree(aside, ignore_errors=True)
    return True


def recover_reports(reports: str, published_run: str | None, log=lambda m: None) -> None:
    """Finish or undo what a killed run left of a swap. The warehouse's last published run decides: a
    sealed draft of that run is swapped in (the run died after its commit); any other draft is removed;
    a live folder moved aside with nothing in its place is put back."""
    live, draft, aside = os.path.abspath(reports), draft_folder(reports), _aside_folder(reports)
    draft_run = run_of_folder(draft) if os.path.isdir(draft) else None
    if draft_run is not None and draft_run == published_run and run_of_folder(live) != published_run:
        log(f"reports: finishing the swap of run {draft_run}, which published but died before its pages were swapped in")
        if os.path.exists(live):
            shutil.rmtree(aside, ignore_errors=True)
            os.rename(live, aside)
        os.rename(draft, live)
    if os.path.isdir(aside) and not os.path.exists(live):
        log(f"reports: putting back {live}, moved aside by a run that died")
        os.rename(aside, live)
    for leftover in (draft, aside):
        if os.path.exists(leftover) and reports_folder_problem(leftover):
            raise ValueError(f"{leftover} is where a run drafts or sets aside its reports, but it holds files "
                             "the dashboards did not write; move it away (nothing was changed)")
        if os.path.exists(leftover):
            log(f"reports: removing {leftover}, left by a run that did not publish")
            shutil.rmtree(leftover, ignore_errors=True)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
