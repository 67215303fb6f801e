"""The `arrears` command: sample, run, import-cfpb."""

from __future__ import annotations

import argparse
import os
import sys
import time


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


SAMPLE_MARKER = ".arrears-sample"
ENTITY_DIRS = ("accounts", "ledger", "complaints", "control")


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
                           fmt=args.format, end_month=args.end_month, progress=_stderr)
    with open(os.path.join(args.out, SAMPLE_MARKER), "w") as fh:
        fh.write(f"written by: arrears sample --accounts {args.accounts} --months {args.months} --seed {args.seed}\n")
    _stderr(f"sample written to {os.path.abspath(args.out)} in {time.monotonic() - t0:.1f}s: "
            + ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, (int, str))))
    return 0


def cmd_run(args) -> int:
    from checks.gx_client import prewarm

    prewarm()  # before Dagster is imported: GX's import then runs on the other core meanwhile
    from .runner import run_pipeline
    from .settings import Settings

    try:
        settings = Settings.from_env(landing=args.landing, warehouse=args.warehouse, reports=args.reports,
                                     dpd_tolerance=args.dpd_tolerance, strict=args.strict or None)
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
    _stderr(f"arrears run: landing {os.path.abspath(settings.landing)} → warehouse "
            f"{os.path.abspath(settings.warehouse)}, reports {os.path.abspath(settings.reports)} "
            f"(dpd tolerance {settings.tolerance})")
    t0 = time.monotonic()
    out = run_pipeline(settings)
    took = time.monotonic() - t0
    for w in out.warnings:
        _stderr(f"warning: check {w} did not pass (warning level: reported, not blocking)")
    if not out.success:
        for s in out.failed_steps:
            _stderr(f"error: {s}")
        for c in out.failed_checks:
            _stderr(f"error: blocking check failed: {c}")
        _stderr(f"arrears run: FAILED after {took:.1f}s (steps downstream of a failure were not run)")
        return 1
    _stderr(f"arrears run: ok in {took:.1f}s — {out.passed_checks} checks passed, {len(out.warnings)} warning(s)")
    print(os.path.abspath(os.path.join(settings.reports, "index.html")))
    return 0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arrears", description="Portfolio reporting for consumer lenders.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write a synthetic, contract-valid landing folder")
    p.add_argument("out", help="landing folder to write (accounts/, ledger/, complaints/)")
    p.add_argument("--accounts", type=int, default=20_000)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--format", choices=["csv", "csv.gz", "parquet"], default="csv")
    p.add_argument("--end-month", default="2026-10", help="last month written, YYYY-MM")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("run", help="run the whole pipeline in this process (every asset and check)")
    p.add_argument("--landing", help="landing folder (default $ARREARS_LANDING or data/landing)")
    p.add_argument("--warehouse", help="DuckDB file (default $ARREARS_WAREHOUSE or data/warehouse.duckdb)")
    p.add_argument("--reports", help="dashboards folder (default $ARREARS_REPORTS or data/reports)")
    p.add_argument("--dpd-tolerance", help="shortfall ignored when ageing (default 5.00)")
    p.add_argument("--strict", action="store_true",
                   help="refuse an unknown folder or file name in the landing folder (default $ARREARS_STRICT or off)")
    p.set_defaults(func=cmd_run)

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
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


if __name__ == "__main__":
    console()
