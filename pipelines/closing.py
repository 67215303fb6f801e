"""`arrears close MONTH`: closing a reporting month, and approving its restatement (`--restate`).

A month is closed from what the warehouse's last run published: that run must have published (passed
every blocking check), its reports folder must still be the one it wrote, and the warehouse must hold
the month. The close takes the run lock and, in one transaction, records the next version of the close
(assets/published.py). `--restate` first re-runs the pipeline in this process, with the settings of the
run that found the restatement and that month allowed to change; when that run publishes, the new
version is recorded (`restates_version` = the one it replaces) and the pending restatement rows of the
month are marked approved by it."""

from __future__ import annotations

import calendar
import json
import os
import re
from dataclasses import dataclass
from datetime import date

import duckdb

from assets.published import current_closes, freeze
from assets.publishing import RunLock, RunLockBusy, _user, now, run_of_folder
from assets.restatements import approve, pending
from assets.sql import table_exists
from assets.warehouse import connect


class CloseRefused(Exception):
    """The close is not allowed; the message says why. `code` is the command's exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Closed:
    close_id: str
    run_id: str
    closed_by: str
    closed_at: object
    rows: int
    files: int
    approved: int


def month_end_of(text: str) -> date:
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise CloseRefused(f"month {text!r}: give the month as YYYY-MM, e.g. 2026-10")
    year, month = int(found[1]), int(found[2])
    return date(year, month, calendar.monthrange(year, month)[1])


def _runs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    if not table_exists(con, "audit.runs"):
        return []
    cur = con.execute("SELECT * FROM audit.runs ORDER BY started_at DESC, run_id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _failures(con: duckdb.DuckDBPyConnection, run: dict) -> str:
    """The run's outcome, message and failed blocking checks, for a refusal."""
    checks = con.execute("""SELECT asset || ':' || check_name || coalesce(' — ' || description, '')
        FROM audit.check_results WHERE run_id = ? AND NOT passed AND severity = 'ERROR'
        ORDER BY asset, check_name""", [run["run_id"]]).fetchall() if table_exists(con, "audit.check_results") else []
    ended = f", ended {run['ended_at']:%Y-%m-%d %H:%M:%S} UTC" if run.get("ended_at") else ""
    text = f"run {run['run_id']} ({run['outcome']}{ended})"
    if run.get("message"):
        text += f": {run['message']}"
    if checks:
        text += "; failed blocking checks: " + "; ".join(c for (c,) in checks)
    return text


def close_month(warehouse: str, month: str, by: str | None = None, note: str | None = None,
                reports: str | None = None, restating: bool = False) -> Closed:
    """Record the next version of the close of `month` (YYYY-MM) from the warehouse's last published run.
    Raises CloseRefused naming why not."""
    month_end = month_end_of(month)
    if not os.path.exists(warehouse):
        raise CloseRefused(f"no warehouse at {os.path.abspath(warehouse)}: run `arrears run` first")
    lock = RunLock(warehouse)
    try:
        lock.acquire(f"close {month}")
    except RunLockBusy as e:
        raise CloseRefused(str(e), code=3) from None
    try:
        con = connect(warehouse)
        try:
            return _close(con, month_end, by or _user(), note, reports, restating)
        finally:
            con.close()
    finally:
        lock.release()


def _close(con, month_end: date, by: str, note: str | None, reports: str | None, restating: bool) -> Closed:
    month = f"{month_end:%Y-%m}"
    runs = _runs(con)
    if not runs:
        raise CloseRefused("the warehouse has no recorded run: run `arrears run` first")
    last = runs[0]
    if last["outcome"] != "published":
        raise CloseRefused(f"{month} not closed: the warehouse's last run did not publish — {_failures(con, last)}; "
                           "fix the cause and run again, then close")
    months = [m for (m,) in con.execute("SELECT month_end FROM staging.reporting_months ORDER BY 1").fetchall()] \
        if table_exists(con, "staging.reporting_months") else []
    if month_end not in months:
        held = f"{months[0]:%Y-%m} … {months[-1]:%Y-%m}" if months else "no month"
        raise CloseRefused(f"{month} not closed: the warehouse does not hold it (it holds {held})")
    closed = {c["month_end"]: c for c in current_closes(con)}
    approving = json.loads(last.get("parameters") or "{}").get("restate_months", "")
    if restating:
        if month_end not in closed:
            raise CloseRefused(f"{month} is not closed: there is nothing to restate; close it with `arrears close {month}`")
        if month not in [m.strip() for m in approving.split(",")]:
            raise CloseRefused(f"{month} not restated: the last run {last['run_id']} was not allowed to change it")
    elif month_end in closed:
        c = closed[month_end]
        raise CloseRefused(f"{month} is already closed ({c['close_id']}, {c['closed_at']:%Y-%m-%d %H:%M} UTC by "
                           f"{c['closed_by']}); a change to it is a restatement: `arrears close {month} --restate "
                           "--note ...` approves a pending one")
    folder = os.path.abspath(reports or last["reports"])
    written_by = run_of_folder(folder)
    if written_by != last["run_id"]:
        raise CloseRefused(f"{month} not closed: the reports folder {folder} was written by "
                           f"{'run ' + written_by if written_by else 'no recorded run'}, not by the published run "
                           f"{last['run_id']}; close from the folder that run wrote (--reports)")
    con.execute("BEGIN TRANSACTION")
    try:
        row = freeze(con, month_end=month_end, run=last, closed_by=by, note=note, closed_at=now(),
                     reports_folder=folder, landing=last.get("landing"))
        approved = approve(con, month_end, row["close_id"]) if restating else 0
        rows = sum(con.execute(f"SELECT count(*) FROM published.{t} WHERE close_id = ?", [row["close_id"]]).fetchall()[0][0]
                   for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                           "'published' AND table_type = 'BASE TABLE' AND table_name NOT IN "
                                           "('closes', 'dashboards', 'check_results')").fetchall())
        files = con.execute("SELECT count(*) FROM published.dashboards WHERE close_id = ?",
                            [row["close_id"]]).fetchall()[0][0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Closed(row["close_id"], last["run_id"], by, row["closed_at"], rows, files, approved)


def mark_in_dagster(instance, month_end: date, closed: Closed, note: str | None, restated: bool) -> list[str]:
    """Show the close on the month's partition of every per-month table in Dagster: an observation of
    that partition whose metadata says `closed` (or `restated`), the close id, who, when and why. Dagster
    has no closed state of its own; its partition view lists these observations beside the month's
    materializations and check results. Returns the asset keys marked."""
    import dagster as dg

    from assets.partitions import month_key
    from assets.registry import TABLES

    state = f"restated ({closed.close_id})" if restated else f"closed ({closed.close_id})"
    metadata = {"state": state, "close_id": closed.close_id, "closed_by": closed.closed_by,
                "closed_at": f"{closed.closed_at:%Y-%m-%d %H:%M:%S} UTC", "note": note or "",
                "run_id": closed.run_id}
    marked = []
    for table in TABLES:
        if table.per_month:
            key = dg.AssetKey(table.name.split("."))
            instance.report_runless_asset_event(dg.AssetObservation(
                asset_key=key, partition=month_key(month_end), metadata=metadata,
                tags={"arrears/close": closed.close_id.replace(" ", "-"),
                      "arrears/month_state": "restated" if restated else "closed"}))
            marked.append(key.to_user_string())
    return marked


def restate_settings(warehouse: str, month: str, by: str | None, note: str | None, landing: str | None,
                     reports: str | None):
    """The settings of the run that approves the restatement of `month`: those of the run that found it
    (landing, reports, DPD tolerance, thresholds), `landing` / `reports` when given, and the month allowed
    to change. Raises CloseRefused when the month has no pending restatement."""
    from .settings import Settings

    month_end = month_end_of(month)
    if not os.path.exists(warehouse):
        raise CloseRefused(f"no warehouse at {os.path.abspath(warehouse)}")
    try:
        con = duckdb.connect(warehouse, read_only=True)
    except duckdb.Error as e:
        raise CloseRefused(f"cannot read the warehouse {warehouse} ({e}); is a run writing it?", code=3) from None
    try:
        if month_end not in {c["month_end"] for c in current_closes(con)}:
            raise CloseRefused(f"{month} is not closed: there is nothing to restate; close it with `arrears close {month}`")
        rows = pending(con, month_end)
        if not rows:
            raise CloseRefused(f"{month} has no pending restatement: no run since the last published one found a "
                               "file or figure of the month changed, so there is nothing to approve")
        finder = rows[-1]["run_id"]
        params = json.loads(con.execute("SELECT parameters FROM audit.runs WHERE run_id = ?",
                                        [finder]).fetchall()[0][0] or "{}")
    finally:
        con.close()
    return Settings.from_env(
        landing=landing or params.get("landing"), warehouse=warehouse, reports=reports or params.get("reports"),
        dpd_tolerance=params.get("dpd_tolerance"), reject_share=params.get("reject_share"),
        reject_min_rows=params.get("reject_min_rows"), strict=params.get("strict_landing"),
        reporting_currency=params.get("reporting_currency"),
        restate_months=month, restate_by=by or _user(), restate_note=note or "")


def pending_summary(warehouse: str, run_id: str | None = None) -> list[str]:
    """One line per closed month with a pending restatement (of one run, or all): the files and the
    number of figures per table, and how to approve it."""
    try:
        con = duckdb.connect(warehouse, read_only=True)
    except duckdb.Error:
        return []
    try:
        rows = [r for r in pending(con) if run_id is None or r["run_id"] == run_id]
    finally:
        con.close()
    months: dict = {}
    for r in rows:
        months.setdefault((r["month_end"], r["close_id"]), []).append(r)
    lines = []
    for (month_end, close_id), found in sorted(months.items()):
        files = sorted({f"{r['source_file']} {r['cause_kind'].split()[1]}" for r in found if r["source_file"]})
        tables: dict[str, int] = {}
        for r in found:
            if r["table_name"]:
                tables[r["table_name"]] = tables.get(r["table_name"], 0) + 1
        detail = sorted({r["cause_detail"] for r in found if r.get("cause_detail")})
        lines.append(f"{month_end:%Y-%m} (closed, {close_id}): "
                     + "; ".join(([f"files {', '.join(files)}"] if files else [])
                                 + ([f"figures moved: {', '.join(f'{t} {n}' for t, n in sorted(tables.items()))}"]
                                    if tables else [])
                                 + ([f"later versions or settings: {detail[0][:300]}"] if detail else []))
                     + f" — approve with `arrears close {month_end:%Y-%m} --restate --note \"...\"`")
    return lines
