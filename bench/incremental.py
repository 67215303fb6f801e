"""Benchmark: adding one month to a warehouse against rebuilding every month, in one sitting.

    .venv/bin/python bench/incremental.py [--accounts 1000000] [--months 25] [--pairs 3] [--format parquet]

A sample of N accounts × M months is written once (bench/out/landing-N-M-<format>-seed<S>-i16). Its first
M−1 months are landed in a second folder (hard links, so no copy) and built once into a base warehouse. Then, in
turn (A B A B …, `--pairs` times):

* **A, full rebuild:** `arrears run --rebuild` of all M months into a fresh warehouse;
* **B, one month added:** a copy of the base warehouse (M−1 months) takes month M with `arrears run`.

Each run's wall time, CPU time (user + system) and peak RSS are measured from outside the process; the
copy of the base warehouse is made before B's clock starts. The ratio B/A is taken pair by pair (the
machine's speed drifts, so only ratios measured side by side are quoted). Afterwards the last full
rebuild and the last incremental warehouse are compared table by table (rows and an order-independent
hash; the records of runs and the warehouse's own account numbers aside, as tests/pipelines/test_incremental.py
does): the bench fails when they differ. The figures and each run's slowest
steps are appended to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.dirname(HERE))

from pipelines.compare import RUN_RECORDS, TIMESTAMP_COLUMNS, table_hashes  # noqa: E402

# account_key is the warehouse's own number for an account (given in the order accounts first arrive),
# so it differs between a history and a rebuild; the tables are compared without it.
SKIP_COLUMNS = TIMESTAMP_COLUMNS | {"account_key"}
SKIP_TABLES = (*RUN_RECORDS, "staging.ledger_entries", "staging.account_keys")

ARREARS = os.path.join(BIN, "arrears")
WRAPPER = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[2:]).returncode; "
           "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime + u.ru_stime}'); sys.exit(rc)")


def remove_warehouse(path: str) -> None:
    for p in (path, path + ".wal", path + ".lock"):
        if os.path.exists(p):
            os.remove(p)
    stem = os.path.splitext(path)[0]
    shutil.rmtree(stem + ".dagster", ignore_errors=True)


def timed_run(out: str, args: list[str]) -> dict:
    """Run `arrears run ARGS` and measure wall, CPU and peak RSS; the steps' own timings from its
    progress lines."""
    rss_file = os.path.join(out, "peak_rss_kb")
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, rss_file, ARREARS, "run", *args], env=env,
                            stderr=subprocess.PIPE, text=True)
    steps = []
    tail = []
    for line in proc.stderr:
        tail = (tail + [line])[-40:]
        m = re.match(r"\s+(asset|check)\s+(\S+).* in ([0-9.]+)s", line)
        if m:
            steps.append((float(m[3]), f"{m[1]} {m[2]}"))
    proc.wait()
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.stderr.write("".join(tail))
        raise SystemExit(f"arrears run {' '.join(args)} failed (exit {proc.returncode})")
    rss_kb, cpu = open(rss_file).read().split()
    return {"wall": round(wall, 2), "cpu": round(float(cpu), 2), "peak_gb": round(int(rss_kb) / 2**20, 2),
            "slowest_steps": [f"{n} {s:.1f}s" for s, n in sorted(steps, reverse=True)[:10]],
            "steps_seconds": round(sum(s for s, _ in steps), 1)}


def land_first_months(full: str, target: str, last_month: str) -> None:
    """Hard-link every landing file of a month up to `last_month` (YYYY-MM) into `target`."""
    if os.path.isdir(target):
        return
    for folder, _dirs, files in os.walk(full):
        for name in files:
            m = re.search(r"_(\d{4}-\d{2})\.", name)
            if m and m[1] <= last_month:
                rel = os.path.relpath(os.path.join(folder, name), full)
                os.makedirs(os.path.dirname(os.path.join(target, rel)), exist_ok=True)
                os.link(os.path.join(folder, name), os.path.join(target, rel))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=25)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv", "csv.gz"])
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    out = os.path.join(HERE, "out")
    os.makedirs(out, exist_ok=True)
    # named after the seed and the last generator change (issue 16: complaint rates, their own random stream),
    # so that a sample written by an older generator or for another seed is never reused
    landing = os.path.join(out, f"landing-{args.accounts}-{args.months}-{args.format.replace('.', '')}"
                                f"-seed{args.seed}-i16")
    if not os.path.isdir(os.path.join(landing, "ledger")):
        subprocess.run([ARREARS, "sample", landing, "--accounts", str(args.accounts), "--months",
                        str(args.months), "--seed", str(args.seed), "--format", args.format], check=True)
    months = sorted(re.search(r"(\d{4}-\d{2})", f)[1] for f in os.listdir(os.path.join(landing, "ledger")))
    first = landing + f"-first-{args.months - 1}"
    land_first_months(landing, first, months[-2])

    base, base_reports = os.path.join(out, "inc-base.duckdb"), os.path.join(out, "inc-base-reports")
    if not os.path.exists(base):
        print(f"building the base warehouse ({months[0]} … {months[-2]})", file=sys.stderr)
        timed_run(out, ["--landing", first, "--warehouse", base, "--reports", base_reports])
    full, full_reports = os.path.join(out, "inc-full.duckdb"), os.path.join(out, "inc-full-reports")
    inc, inc_reports = os.path.join(out, "inc-added.duckdb"), os.path.join(out, "inc-added-reports")

    pairs = []
    for i in range(args.pairs):
        remove_warehouse(full)
        shutil.rmtree(full_reports, ignore_errors=True)
        a = timed_run(out, ["--rebuild", "--landing", landing, "--warehouse", full, "--reports", full_reports])
        remove_warehouse(inc)
        shutil.rmtree(inc_reports, ignore_errors=True)
        shutil.copyfile(base, inc)
        shutil.copytree(base_reports, inc_reports)
        b = timed_run(out, ["--landing", landing, "--warehouse", inc, "--reports", inc_reports])
        pairs.append({"full": a, "added": b, "wall_ratio": round(b["wall"] / a["wall"], 3),
                      "cpu_ratio": round(b["cpu"] / a["cpu"], 3)})
        print(f"pair {i + 1}: full {a['wall']}s, month added {b['wall']}s, ratio {pairs[-1]['wall_ratio']}",
              file=sys.stderr)

    ha, hb = table_hashes(full, SKIP_COLUMNS, SKIP_TABLES), table_hashes(inc, SKIP_COLUMNS, SKIP_TABLES)
    differ = sorted(t for t in set(ha) | set(hb) if ha.get(t) != hb.get(t))
    import duckdb

    def med(key, which):
        return statistics.median(p[which][key] for p in pairs)

    result = {
        "at": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB, "
                   f"{platform.machine()}, duckdb {duckdb.__version__}",
        "kind": "incremental: one month added vs full rebuild", "accounts": args.accounts,
        "months": args.months, "format": args.format, "paired_runs": args.pairs,
        "full_wall_median": med("wall", "full"), "added_wall_median": med("wall", "added"),
        "full_cpu_median": med("cpu", "full"), "added_cpu_median": med("cpu", "added"),
        "full_peak_gb_median": med("peak_gb", "full"), "added_peak_gb_median": med("peak_gb", "added"),
        "wall_ratio_added_over_full": {"min": min(p["wall_ratio"] for p in pairs),
                                       "median": statistics.median(p["wall_ratio"] for p in pairs),
                                       "max": max(p["wall_ratio"] for p in pairs)},
        "cpu_ratio_median": statistics.median(p["cpu_ratio"] for p in pairs),
        "target_ratio_at_most": 0.15,
        "warehouses_identical": not differ, "tables_that_differ": differ,
        "full_slowest_steps": pairs[-1]["full"]["slowest_steps"],
        "added_slowest_steps": pairs[-1]["added"]["slowest_steps"],
    }
    print(json.dumps(result, indent=2))
    with open(os.path.join(HERE, "results.jsonl"), "a") as fh:
        fh.write(json.dumps(result) + "\n")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
