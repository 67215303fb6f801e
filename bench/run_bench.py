"""Benchmark: a sample of 1,000,000 accounts × 24 months (by default), then `arrears run` on it.

Measures the run's wall time, CPU time and peak memory and records whether they meet the targets in
bench/README.md (whole run under 120 s, peak memory under 8 GB); also times marts.account_month alone
and a fixed yardstick statement, and gives ledger rows per second. Each run's figures are appended to
bench/results.jsonl; bench/README.md keeps the current figures, the machine and how to read them.

    .venv/bin/python bench/run_bench.py [--accounts N] [--months M] [--format parquet|csv|csv.gz] [--seed S] [--keep]

The sample is written once into bench/out/landing-<N>-<M>-<format>-seed<S>-i16 and reused while it exists.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv", "csv.gz"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the warehouse and reports afterwards")
    args = ap.parse_args()

    out = os.path.join(HERE, "out")
    # named after the seed and the last generator change (issue 16: complaint rates, their own random stream),
    # so that a sample written by an older generator or for another seed is never reused
    landing = os.path.join(out, f"landing-{args.accounts}-{args.months}-{args.format.replace('.', '')}"
                                f"-seed{args.seed}-i16")
    warehouse = os.path.join(out, "warehouse.duckdb")
    reports = os.path.join(out, "reports")
    os.makedirs(out, exist_ok=True)
    arrears = os.path.join(BIN, "arrears")

    if not os.path.isdir(os.path.join(landing, "ledger")):
        t0 = time.monotonic()
        subprocess.run([arrears, "sample", landing, "--accounts", str(args.accounts), "--months", str(args.months),
                        "--seed", str(args.seed), "--format", args.format], check=True)
        print(f"sample: {time.monotonic() - t0:.1f}s", file=sys.stderr)
    for p in (warehouse, warehouse + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    shutil.rmtree(reports, ignore_errors=True)
    dagster_home = os.path.join(out, "warehouse.dagster")  # the run history of that warehouse (docs/runs.md)
    shutil.rmtree(dagster_home, ignore_errors=True)

    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)  # the run goes to the warehouse's own instance, dagster_home
    t0 = time.monotonic()
    # A small wrapper process measures the peak RSS of `arrears run` alone (not of the sample step).
    rss_file = os.path.join(out, "peak_rss_kb")
    # It also records the CPU time (user + system) the run used: against the cores × the run's wall
    # time, that shows how much of the run left a core idle.
    wrapper = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[2:]).returncode; "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime + u.ru_stime}'); sys.exit(rc)")
    proc = subprocess.Popen([sys.executable, "-c", wrapper, rss_file, arrears, "run", "--landing", landing,
                             "--warehouse", warehouse, "--reports", reports], env=env, stderr=subprocess.PIPE, text=True)
    steps = []  # (seconds, "asset|check name") from the run's progress lines, echoed as they come
    for line in proc.stderr:
        sys.stderr.write(line)
        m = re.match(r"\s+(asset|check)\s+(\S+).* in ([0-9.]+)s", line)
        if m:
            steps.append((float(m[3]), f"{m[1]} {m[2]}"))
    proc.wait()
    run_s = time.monotonic() - t0
    rss_kb, cpu_s = open(rss_file).read().split()
    peak_gb, cpu_s = int(rss_kb) / 1024 / 1024, float(cpu_s)
    if proc.returncode != 0:
        print(f"arrears run failed (exit {proc.returncode}) after {run_s:.1f}s", file=sys.stderr)
        return proc.returncode

    import duckdb

    from assets.marts.account_month import build_account_month
    from assets.warehouse import connect

    con = connect(warehouse)
    ledger_rows = con.execute("SELECT count(*) FROM staging.ledger_entries").fetchall()[0][0]
    rows_read = con.execute("SELECT sum(rows_read) FROM audit.source_files WHERE entity = 'ledger'").fetchall()[0][0]
    t1 = time.monotonic()
    am_rows = build_account_month(con, "5.00")
    am_s = time.monotonic() - t1
    # A yardstick for the machine's speed at the time of the run, which drifts from day to day (see
    # bench/README.md): one fixed CPU-bound statement, sorting the hashes of every entry_id.
    t1 = time.monotonic()
    con.execute("CREATE TEMP TABLE _yardstick AS SELECT hash(entry_id) AS h FROM staging.ledger_entries ORDER BY h")
    yardstick_s = time.monotonic() - t1
    con.close()
    result = {
        "machine": f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB, "
                   f"{platform.machine()}, duckdb {duckdb.__version__}",
        "accounts": args.accounts, "months": args.months, "format": args.format,
        "ledger_rows_read": rows_read, "ledger_rows_loaded": ledger_rows, "account_month_rows": am_rows,
        "run_seconds": round(run_s, 1), "cpu_seconds": round(cpu_s, 1), "peak_memory_gb": round(peak_gb, 2),
        "account_month_seconds": round(am_s, 1), "yardstick_seconds": round(yardstick_s, 2), "ledger_rows_per_second": int(rows_read / run_s),
        "targets": {"run_under_120s": run_s < 120, "peak_under_8gb": peak_gb < 8},
        "slowest_steps": [f"{name} {sec:.1f}s" for sec, name in sorted(steps, reverse=True)[:12]],
        "steps_total_seconds": round(sum(sec for sec, _ in steps), 1),
    }
    print(json.dumps(result, indent=2))
    with open(os.path.join(HERE, "results.jsonl"), "a") as fh:
        fh.write(json.dumps({"at": time.strftime("%Y-%m-%d %H:%M"), **result}) + "\n")
    if not args.keep:
        os.remove(warehouse)
        shutil.rmtree(reports, ignore_errors=True)
        shutil.rmtree(dagster_home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
