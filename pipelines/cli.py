"""The `arrears` command: sample, run, close, status, rejections, evidence, verify, import-cfpb, dagster-home."""

from __future__ import annotations

import argparse
import os
import sys
import time

from assets.sql import table_exists


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


SAMPLE_MARKER = ".arrears-sample"
ENTITY_DIRS = ("accounts", "ledger", "complaints", "control", "fx")


def _prepare_sample_dir(out: str) -> str | None:
    """Clear a folder written by an earlier `arrears sample`; refuse one holding anything else (it may be a
    lender's real exports). Returns an error message, or None when the folder is ready."""
    if not os.path.isdir(out):
        return None
    files = [os.path.join(d, f) for d in ENTITY_DIRS if os.path.isdir(os.path.join(out, d))
             for f in os.listdir(os.path.join(out, d))]
    if files and not os.path.exists(os.path.join(out, SAMPLE_MARKER)):
        return (f"{out} already holds exports not written by `arrears sample` (e.g. {files[0]}); "
                "choose an empty folder")
    for d in ENTITY_DIRS:
        folder = os.path.join(out, d)
        if os.path.isdir(folder):
            for f in os.listdir(folder):
                os.remove(os.path.join(folder, f))
    return None


def cmd_sample(args) -> int:
    from .sample import write_sample

    problem = _prepare_sample_dir(args.out)
    if problem:
        _stderr(f"arrears sample: {problem}")
        return 2
    t0 = time.monotonic()
    summary = write_sample(args.out, accounts=args.accounts, months=args.months, seed=args.seed,
                           fmt=args.format, end_month=args.end_month, progress=_stderr, fx=not args.no_fx)
    with open(os.path.join(args.out, SAMPLE_MARKER), "w") as fh:
        fh.write(f"written by: arrears sample --accounts {args.accounts} --months {args.months} --seed {args.seed}\n")
    _stderr(f"sample written to {os.path.abspath(args.out)} in {time.monotonic() - t0:.1f}s: "
            + ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, (int, str))))
    return 0


def cmd_run(args) -> int:
    from checks.gx_client import prewarm

    prewarm()  # before Dagster is imported: GX's import then runs on the other core meanwhile
    from assets.publishing import RunLock, reports_folder_problem

    from .runner import run_pipeline
    from .settings import Settings

    try:
        settings = Settings.from_env(landing=args.landing, warehouse=args.warehouse, reports=args.reports,
                                     dpd_tolerance=args.dpd_tolerance, wait_for_lock=args.wait,
                                     strict=args.strict or None, reporting_currency=args.reporting_currency)
    except ValueError as e:
        _stderr(f"arrears run: {e}")
        return 2
    if not os.path.isdir(settings.landing):
        _stderr(f"arrears run: landing folder {settings.landing} does not exist")
        return 2
    from assets.raw.landing import ContractError, inspect_landing

    try:  # the landing folder's layout, before Dagster starts: a landing with no ledger file is refused here
        for w in inspect_landing(settings.landing, settings.strict).warnings():
            _stderr(f"warning: {w}")
    except ContractError as e:
        _stderr(f"arrears run: {e}")
        return 2
    problem = reports_folder_problem(settings.reports)
    if problem:
        _stderr(f"arrears run: refused: {problem}")
        return 2
    lock = RunLock(settings.warehouse)
    if not settings.wait_for_lock and lock.held_by_another():
        _stderr(f"arrears run: refused: {lock.busy_message()}")
        return 3
    from .instance import dagster_home

    home = dagster_home(settings.warehouse, args.dagster_home)
    _stderr(f"arrears run: landing {os.path.abspath(settings.landing)} → warehouse "
            f"{os.path.abspath(settings.warehouse)}, reports {os.path.abspath(settings.reports)} "
            f"(dpd tolerance {settings.tolerance}, reporting currency {settings.reporting_currency or 'none'}); "
            f"Dagster runs in {home}")
    from .incremental import plan_run

    t0 = time.monotonic()
    if settings.wait_for_lock and lock.held_by_another():  # --wait: plan on what the run ahead publishes
        _stderr(f"arrears run: waiting: {lock.busy_message().split('; ')[0]}")
        deadline = t0 + settings.wait_for_lock
        while lock.held_by_another() and time.monotonic() < deadline:
            time.sleep(0.5)
    try:
        plan = plan_run(settings, rebuild=args.rebuild)
    except ContractError as e:
        _stderr(f"arrears run: {e}")
        return 2
    _stderr(f"arrears run: {plan.describe()} ({time.monotonic() - t0:.1f}s)")
    out = run_pipeline(settings, months=(plan.first, plan.last), reread=args.rebuild, dagster_home=home)
    if not plan.full and any("MonthsOutsideRun" in s for s in out.failed_steps):
        # The plan missed a month whose figures changed (the builders verify it): every month, once more.
        _stderr("arrears run: a month outside the planned range changed (above); running again over every month")
        plan = plan_run(settings, rebuild=True)
        out = run_pipeline(settings, months=(plan.first, plan.last), dagster_home=home)
    took = time.monotonic() - t0
    run = _run_record(settings.warehouse, out.run_id)
    _print_rejections(run)
    for w in out.warnings:
        _stderr(f"warning: check {w} did not pass (warning level: reported, not blocking)")
    if not out.success or (run is not None and run["outcome"] != "published"):
        for s in out.failed_steps:
            _stderr(f"error: {s}")
        for c in out.failed_checks:
            _stderr(f"error: blocking check failed: {c}")
        from .closing import pending_summary

        for line in pending_summary(settings.warehouse, out.run_id):
            _stderr(f"error: closed month changed, not published: {line}")
        if run is None:
            _stderr(f"arrears run: FAILED after {took:.1f}s before the run could start")
        else:
            _stderr(f"arrears run: FAILED after {took:.1f}s (steps downstream of a failure were not run); run "
                    f"{out.run_id} rolled back: the warehouse and {os.path.abspath(settings.reports)} still hold "
                    f"what the last good run published ({_last_good(settings.warehouse) or 'nothing yet'})")
        return 1
    _stderr(f"arrears run: ok in {took:.1f}s — {out.passed_checks} checks passed, {len(out.warnings)} warning(s); "
            f"run {out.run_id} published")
    print(os.path.abspath(os.path.join(settings.reports, "index.html")))
    return 0


def _read_only(warehouse: str):
    """A read-only connection to the warehouse, or None when there is none (or a run holds it)."""
    import duckdb

    if not os.path.exists(warehouse):
        return None
    try:
        return duckdb.connect(warehouse, read_only=True)
    except duckdb.Error:
        return None


def _run_record(warehouse: str, run_id: str | None) -> dict | None:
    """The run's row of audit.runs (as a dict, rejections parsed), or None."""
    import json

    con = _read_only(warehouse) if run_id else None
    if con is None:
        return None
    try:
        if not table_exists(con, "audit.runs"):
            return None
        cur = con.execute("SELECT * FROM audit.runs WHERE run_id = ?", [run_id])
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    if not rows:
        return None
    run = dict(zip(cols, rows[0]))
    run["rejections"] = json.loads(run["rejections"]) if run.get("rejections") else None
    return run


def _last_good(warehouse: str) -> str | None:
    con = _read_only(warehouse)
    if con is None:
        return None
    try:
        from assets.publishing import last_published

        run = last_published(con)
        if run is None:
            return None
        ended = con.execute("SELECT ended_at FROM audit.runs WHERE run_id = ?", [run]).fetchall()[0][0]
        return f"run {run}, {ended:%Y-%m-%d %H:%M:%S} UTC"
    finally:
        con.close()


def _print_rejections(run: dict | None, limit: int = 30) -> None:
    """The run's rejected rows by entity, file and rule, on stderr."""
    if run is None or run.get("rejections") is None:
        return
    rows = run["rejections"]
    if not rows:
        _stderr("rejections: none — every row read was loaded")
        return
    total = sum(r["rows"] for r in rows)
    _stderr(f"rejections: {total:,} row(s) not loaded (list them with `arrears rejections`):")
    for r in rows[:limit]:
        _stderr(f"  {r['rows']:>10,}  {r['file']}: {r['rule']}")
    if len(rows) > limit:
        _stderr(f"  … and {len(rows) - limit} more file/rule pairs")


def cmd_status(args) -> int:
    """Which run built what the warehouse and the reports hold now, and the last runs."""
    from assets.publishing import RUN_MARKER, RunLock, draft_folder, last_published, run_of_folder

    from .settings import Settings

    settings = Settings.from_env(warehouse=args.warehouse, reports=args.reports)
    lock = RunLock(settings.warehouse)
    if lock.held_by_another():
        h = lock.holder() or {}
        print(f"running: run {h.get('run_id', '?')} (process {h.get('pid', '?')}, user {h.get('user', '?')}, "
              f"since {h.get('since', '?')} UTC) is writing {os.path.abspath(settings.warehouse)}")
    con = _read_only(settings.warehouse)
    if con is None:
        print(f"warehouse: {os.path.abspath(settings.warehouse)}: "
              + ("cannot be read while the run above writes it" if lock.held_by_another() else "no warehouse yet"))
        return 0 if lock.held_by_another() else 1
    try:
        if not table_exists(con, "audit.runs"):
            print(f"warehouse: {os.path.abspath(settings.warehouse)}: no run recorded (built before audit.runs)")
            return 1
        published = last_published(con)
        runs = con.execute("""SELECT run_id, started_at, ended_at, outcome, os_user, message FROM audit.runs
            ORDER BY started_at DESC LIMIT ?""", [args.last]).fetchall()
        from assets.published import current_closes

        closes = current_closes(con)
    finally:
        con.close()
    reports_run = run_of_folder(settings.reports)
    print(f"warehouse: {os.path.abspath(settings.warehouse)}: holds run {published or '(none published)'}")
    where = os.path.abspath(settings.reports)
    left = [f for f in (draft_folder(where), where + ".old") if os.path.exists(f)]
    if left and not lock.held_by_another():
        print(f"reports:   {', '.join(left)} left by a run that died; the next `arrears run` finishes or undoes "
              "its swap")
    if reports_run is None:
        print(f"reports:   {where}: " + ("no reports yet" if not os.path.isdir(where)
                                          else f"no {RUN_MARKER} marker (written before runs were recorded)"))
    else:
        same = "the same run" if reports_run == published else "NOT the warehouse's run"
        print(f"reports:   {where}: written by run {reports_run} ({same})")
    print("last runs (newest first):")
    for run_id, started, ended, outcome, user, message in runs:
        end = f"{ended:%Y-%m-%d %H:%M:%S}" if ended else "—"
        if outcome == "running" and not lock.held_by_another():
            outcome, message = "died", "no process holds the run lock: the run ended without finishing (the next run marks it killed)"
        print(f"  {run_id}  {started:%Y-%m-%d %H:%M:%S} → {end}  {outcome:<9}  {user}"
              + (f"  {message[:160]}" if message else ""))
    print("closed months:" + ("" if closes else " none"))
    for c in closes:
        restated = f", restates v{c['restates_version']}" if c["restates_version"] else ""
        print(f"  {c['month_end']:%Y-%m}  v{c['version']}{restated}  closed {c['closed_at']:%Y-%m-%d %H:%M:%S} UTC by "
              f"{c['closed_by']}  run {c['run_id']}" + (f"  — {c['note']}" if c["note"] else ""))
    from .closing import pending_summary

    restatements = pending_summary(settings.warehouse)
    print("pending restatements:" + ("" if restatements else " none"))
    for line in restatements:
        print(f"  {line}")
    return 0


def cmd_close(args) -> int:
    """Close a month (or approve its restatement): see pipelines/closing.py."""
    from .closing import CloseRefused, close_month, restate_settings
    from .settings import Settings

    try:
        settings = Settings.from_env(warehouse=args.warehouse, reports=args.reports)
        if args.restate:
            from checks.gx_client import prewarm

            prewarm()
            from .runner import run_pipeline

            run_settings = restate_settings(settings.warehouse, args.month, args.by, args.note, args.landing,
                                            args.reports)
            _stderr(f"arrears close: restating {args.month}: running the pipeline on {run_settings.landing} with "
                    f"{args.month} allowed to change")
            out = run_pipeline(run_settings)
            run = _run_record(settings.warehouse, out.run_id)
            if not out.success or run is None or run["outcome"] != "published":
                for s in out.failed_steps:
                    _stderr(f"error: {s}")
                for c in out.failed_checks:
                    _stderr(f"error: blocking check failed: {c}")
                _stderr(f"arrears close: {args.month} not restated: run {out.run_id} did not publish; the close "
                        "stays as it was")
                return 1
            closed = close_month(settings.warehouse, args.month, args.by or run_settings.restate_by, args.note,
                                 run_settings.reports, restating=True)
        else:
            closed = close_month(settings.warehouse, args.month, args.by, args.note, args.reports)
    except CloseRefused as e:
        _stderr(f"arrears close: refused: {e}")
        return e.code
    except ValueError as e:
        _stderr(f"arrears close: {e}")
        return 2
    from .closing import mark_in_dagster, month_end_of
    from .instance import dagster_home, persistent_instance

    home = dagster_home(settings.warehouse)
    marked = mark_in_dagster(persistent_instance(home), month_end_of(args.month), closed, args.note, args.restate)
    _stderr(f"arrears close: {args.month} marked {'restated' if args.restate else 'closed'} on the month's partition "
            f"of {len(marked)} tables in the Dagster instance {home}")
    _stderr(f"arrears close: {args.month} closed as {closed.close_id} by {closed.closed_by} at "
            f"{closed.closed_at:%Y-%m-%d %H:%M:%S} UTC from run {closed.run_id}: {closed.rows:,} rows and "
            f"{closed.files} report files frozen in the published schema"
            + (f"; {closed.approved} restatement row(s) approved" if args.restate else ""))
    print(closed.close_id)
    return 0


def cmd_rejections(args) -> int:
    """The rejected rows of the published run: file, line, reason (and the row's contract columns as read)."""
    from .settings import Settings

    settings = Settings.from_env(warehouse=args.warehouse)
    con = _read_only(settings.warehouse)
    if con is None or not table_exists(con, "audit.rejected_rows"):
        _stderr(f"arrears rejections: no readable warehouse with audit.rejected_rows at "
                f"{os.path.abspath(settings.warehouse)}")
        return 2
    try:
        where, params = [], []
        if args.file:
            where.append("(source_file = ? OR source_file LIKE ?)")
            params += [args.file, f"%{args.file}"]
        if args.reason:
            where.append("reason ILIKE ?")
            params.append(f"%{args.reason}%")
        sql = ("SELECT source_file, line_number, reason, raw FROM audit.rejected_rows"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY source_file, line_number")
        total = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
        rows = con.execute(sql + (f" LIMIT {int(args.limit)}" if args.limit else ""), params).fetchall()
    finally:
        con.close()
    for source_file, line, reason, raw in rows:
        print(f"{source_file}:{line}: {reason}" + (f"\n    {raw}" if raw else ""))
    _stderr(f"{len(rows):,} of {total:,} rejected row(s) shown")
    return 0


def cmd_evidence(args) -> int:
    """Write the evidence pack of a month: a folder and a .zip of it (pipelines/evidence.py)."""
    from .evidence import EvidenceError, write_pack
    from .settings import Settings

    settings = Settings.from_env(warehouse=args.warehouse)
    try:
        result = write_pack(settings.warehouse, args.month, args.out, landing=args.landing, log=_stderr)
    except EvidenceError as e:
        _stderr(f"arrears evidence: {e}")
        return 2
    _stderr(f"arrears evidence: {result.files} files written to {result.folder} and {result.zip}; "
            f"manifest.json sha256 {result.manifest_sha256} (keep it with your working papers)")
    print(os.path.join(result.folder, "index.html"))
    return 0


def cmd_verify(args) -> int:
    """Recompute an evidence pack from the landing files it lists; exit 0 only when everything matches."""
    from checks.gx_client import prewarm

    prewarm()
    from .evidence import EvidenceError
    from .verify import verify_pack

    try:
        result = verify_pack(args.pack, args.landing, log=_stderr)
    except EvidenceError as e:
        _stderr(f"arrears verify: {e}")
        return 2
    for d in result.differences:
        print(f"difference: {d}")
    for n in result.notes:
        _stderr(f"note: {n}")
    counted = (f"{result.pack_files_checked} pack files, {result.inputs_checked} input files, "
               f"{result.figures_compared} figures compared")
    if result.ok:
        _stderr(f"arrears verify: OK — every figure and hash matches ({counted})")
        return 0
    _stderr(f"arrears verify: {len(result.differences)} difference(s) ({counted})")
    return 1


def cmd_dagster_home(args) -> int:
    """Print the folder of the warehouse's Dagster instance (created, with its dagster.yaml, if missing):
    `make ui` points DAGSTER_HOME at it, so the UI shows the runs `arrears run` recorded there."""
    from .instance import dagster_home, prepare_home
    from .settings import Settings

    try:
        settings = Settings.from_env(warehouse=args.warehouse)
    except ValueError as e:
        _stderr(f"arrears dagster-home: {e}")
        return 2
    print(prepare_home(dagster_home(settings.warehouse, args.dagster_home)))
    return 0


def _dagster_home_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dagster-home", help="folder of the Dagster instance that records the runs (default "
                                          "$DAGSTER_HOME, else <warehouse stem>.dagster beside the warehouse)")


def cmd_import_cfpb(args) -> int:
    from .cfpb_import import CfpbImportError, import_cfpb

    try:
        summary = import_cfpb(args.file, args.out, progress=_stderr, overwrite=args.overwrite)
    except (CfpbImportError, FileExistsError, FileNotFoundError) as e:
        _stderr(f"arrears import-cfpb: {e}")
        return 2
    _stderr(f"import-cfpb: {summary['rows_read']:,} rows read, {summary['rows_written']:,} written into "
            f"{len(summary['files'])} monthly files, {summary['rows_refused']:,} refused")
    for reason, n in summary["refused_by_reason"].items():
        _stderr(f"  refused {n:,}: {reason}")
    for r in summary["refused"][:20]:
        _stderr(f"  {r}")
    _stderr(f"  CFPB 'Timely response?' of the written rows: {summary['cfpb_timely_response']}")
    return 0 if summary["rows_read"] == summary["rows_written"] + summary["rows_refused"] else 1


def _warehouse_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", help="DuckDB file (default $ARREARS_WAREHOUSE or data/warehouse.duckdb)")


def _reports_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reports", help="dashboards folder (default $ARREARS_REPORTS or data/reports)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("arrears")
    except PackageNotFoundError:
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arrears", description="Portfolio reporting for consumer lenders.")
    parser.add_argument("--version", action="version", version=f"arrears {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write a synthetic, contract-valid landing folder")
    p.add_argument("out", help="landing folder to write (accounts/, ledger/, complaints/)")
    p.add_argument("--accounts", type=int, default=20_000)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--format", choices=["csv", "csv.gz", "parquet"], default="csv")
    p.add_argument("--end-month", default="2026-10", help="last month written, YYYY-MM")
    p.add_argument("--no-fx", action="store_true",
                   help="write no fx/ files (default: month-end CAD → USD rates for the cards-ca portfolio)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("run", help="run the whole pipeline in this process (every asset and check)")
    p.add_argument("--landing", help="landing folder (default $ARREARS_LANDING or data/landing)")
    _warehouse_option(p)
    _reports_option(p)
    p.add_argument("--dpd-tolerance", help="shortfall ignored when ageing (default 5.00)")
    p.add_argument("--rebuild", action="store_true",
                   help="rebuild every reporting month, whatever the warehouse holds (default: only the months "
                        "whose figures the landing folder's changes can move, see docs/runs.md), and read every "
                        "landing file again")
    p.add_argument("--wait", nargs="?", const="inf", default=None, metavar="SECONDS",
                   help="wait for a run that holds the warehouse to end (for SECONDS, or as long as it takes) "
                        "instead of refusing")
    p.add_argument("--strict", action="store_true",
                   help="refuse an unknown folder or file name in the landing folder (default $ARREARS_STRICT or off)")
    p.add_argument("--reporting-currency", metavar="CODE",
                   help="ISO 4217 code: add the money figures converted into it at the fx files' month-end rates "
                        "(marts.*_converted; default $ARREARS_REPORTING_CURRENCY or none: nothing converted)")
    _dagster_home_option(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("dagster-home", help="print the folder of the warehouse's Dagster instance (for make ui)")
    _warehouse_option(p)
    _dagster_home_option(p)
    p.set_defaults(func=cmd_dagster_home)

    p = sub.add_parser("status", help="which run built what the warehouse and the reports hold; the last runs")
    _warehouse_option(p)
    _reports_option(p)
    p.add_argument("--last", type=int, default=10, help="how many runs to list (default 10)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("close", help="close a reporting month (freeze its figures, pages and checks), or "
                                     "approve its restatement (--restate)")
    p.add_argument("month", help="the month to close, YYYY-MM")
    p.add_argument("--by", help="who closes it (default: the OS user)")
    p.add_argument("--note", help="why: recorded with the close")
    p.add_argument("--restate", action="store_true",
                   help="approve the month's pending restatement: re-run with the month allowed to change, "
                        "then record the next version of its close")
    p.add_argument("--landing", help="with --restate: the landing folder to run on (default: the one of the run "
                                     "that found the restatement)")
    _warehouse_option(p)
    _reports_option(p)
    p.set_defaults(func=cmd_close)

    p = sub.add_parser("rejections", help="list the rows the published run rejected, with file, line and reason")
    _warehouse_option(p)
    p.add_argument("--file", help="only this file (its name as in the landing folder, e.g. ledger/ledger_2026-10.csv)")
    p.add_argument("--reason", help="only reasons containing this text (case-insensitive)")
    p.add_argument("--limit", type=int, default=1000, help="at most this many rows (0: all; default 1000)")
    p.set_defaults(func=cmd_rejections)

    p = sub.add_parser("evidence", help="write the evidence pack of a month (a folder and a .zip) for an auditor")
    p.add_argument("month", help="the reporting month, YYYY-MM")
    p.add_argument("--out", required=True, help="folder to write (must not exist yet; DIR.zip is written beside it)")
    _warehouse_option(p)
    p.add_argument("--landing", help="where the control files are read (default: the landing folder of the run)")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser("verify", help="recompute an evidence pack from the landing files it lists; list differences")
    p.add_argument("pack", help="the evidence pack folder (written by `arrears evidence`)")
    p.add_argument("--landing", required=True, help="landing folder holding the files the pack lists")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("import-cfpb", help="convert a CFPB Consumer Complaint Database CSV into contract files")
    p.add_argument("file", help="CSV export in the CFPB's own layout")
    p.add_argument("--out", required=True, help="landing folder (writes complaints/complaints_YYYY-MM.csv)")
    p.add_argument("--overwrite", action="store_true", help="replace complaint files already in the landing folder")
    p.set_defaults(func=cmd_import_cfpb)

    args = parser.parse_args(argv)
    return args.func(args)


def console() -> None:
    """The `arrears` command: main(), then exit without the interpreter's teardown. Every file and the
    warehouse are closed by then (the run's resource closes DuckDB, which checkpoints), so unloading
    Dagster's, GX's and pandas' modules one by one would only delay the exit after the work is done."""
    try:
        rc = main()
    except KeyboardInterrupt:
        rc = 130
    except BrokenPipeError:  # the reader went away (`arrears rejections | head`): nothing more to say
        os._exit(0)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(rc)


if __name__ == "__main__":
    console()
