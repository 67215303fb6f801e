"""Runs that meet each other or die (issue 14, group 10), with real `arrears run` processes: one writer at a
time, a killed run at any point leaves the last published warehouse and reports intact and readable, the
next run finishes or undoes a half-done swap, a full disk fails the run cleanly, and audit.runs / `arrears
status` say which run built what."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from assets.publishing import RunLock, RunLockBusy
from pipelines.cli import main as cli

ACCOUNTS, MONTHS = 120, 4


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "ARREARS_FAULT_POINT")}
    env.update(extra)
    return env


def arrears(*args: str, fault: str | None = None, wait: bool = True, **kw) -> subprocess.CompletedProcess | subprocess.Popen:
    """`arrears ARGS` as a real process (the same interpreter and code as the tests)."""
    cmd = [sys.executable, "-m", "pipelines.cli", *args]
    env = _env(**({"ARREARS_FAULT_POINT": fault} if fault else {}))
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, **kw)


def folder_digest(folder: Path) -> dict[str, str]:
    """sha256 of every page (the run marker aside: each run writes its own id)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != ".arrears-run"}


def warehouse_digest(path: Path) -> dict[str, tuple]:
    """Row count and an order-independent hash of every table the run publishes (the records of runs
    aside: audit.runs and audit.check_results grow with every run, failed ones included)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("""SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema IN ('staging', 'marts', 'intermediate', 'audit')
              AND table_name NOT IN ('runs', 'check_results') ORDER BY 1""").fetchall()
        out = {}
        for (t,) in tables:
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema || '.' || table_name = ? "
                "AND column_name NOT IN ('loaded_at', 'read_at')", [t]).fetchall()]
            out[t] = con.execute(f"SELECT count(*), coalesce(sum(hash({', '.join(cols)})), 0) FROM {t}").fetchall()[0]
        return out
    finally:
        con.close()


def runs_of(path: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT run_id, outcome FROM audit.runs ORDER BY started_at, run_id").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A small landing (A) and a changed copy of it (B: one month less), a warehouse and reports
    published from A, and their digests."""
    root = tmp_path_factory.mktemp("runs")
    a, b = root / "landing_a", root / "landing_b"
    assert cli(["sample", str(a), "--accounts", str(ACCOUNTS), "--months", str(MONTHS), "--seed", "5"]) == 0
    shutil.copytree(a, b)
    for entity in ("accounts", "ledger", "complaints"):
        for f in sorted((b / entity).glob("*.csv"))[-1:]:
            f.unlink()
    warehouse, reports = root / "w.duckdb", root / "reports"
    done = arrears("run", "--landing", str(a), "--warehouse", str(warehouse), "--reports", str(reports))
    assert done.returncode == 0, done.stderr[-3000:]
    return {"root": root, "a": a, "b": b, "warehouse": warehouse, "reports": reports,
            "tables": warehouse_digest(warehouse), "pages": folder_digest(reports)}


def run_args(book, landing: str = "b") -> list[str]:
    return ["run", "--landing", str(book[landing]), "--warehouse", str(book["warehouse"]),
            "--reports", str(book["reports"])]


def assert_last_good_intact(book) -> None:
    assert warehouse_digest(book["warehouse"]) == book["tables"]
    assert folder_digest(book["reports"]) == book["pages"]
    assert (book["reports"] / "index.html").read_text("utf-8").rstrip().endswith("</html>")


@pytest.mark.parametrize("point", [
    "asset:staging.ledger",          # killed while staging
    "asset:marts.aging",             # killed while building the marts (some rebuilt, some not)
    "asset:reports.dashboards",      # killed while writing the reports (a partial draft)
    "warehouse:before-commit",       # everything built and checked, nothing committed
])
def test_a_killed_run_publishes_nothing(book, point):
    killed = arrears(*run_args(book), fault=point)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert_last_good_intact(book)
    assert runs_of(book["warehouse"])[-1][1] == "running"  # it died: no end recorded
    status = arrears("status", "--warehouse", str(book["warehouse"]), "--reports", str(book["reports"]))
    published = runs_of(book["warehouse"])
    last_good = [r for r, o in published if o == "published"][-1]
    assert f"holds run {last_good}" in status.stdout
    assert f"written by run {last_good} (the same run)" in status.stdout
    killed_id = runs_of(book["warehouse"])[-1][0]
    assert f"{killed_id}  " in status.stdout and "  died  " in status.stdout  # not shown as running


def test_the_next_run_marks_a_killed_run_and_publishes(book, tmp_path):
    # (after the killed runs above, or alone: a killed run first)
    assert arrears(*run_args(book), fault="warehouse:before-commit").returncode == -9
    killed_id = runs_of(book["warehouse"])[-1][0]
    done = arrears(*run_args(book, "a"))
    assert done.returncode == 0, done.stderr[-3000:]
    runs = dict(runs_of(book["warehouse"]))
    assert runs[killed_id] == "killed"
    assert "running" not in runs.values()
    assert warehouse_digest(book["warehouse"]) == book["tables"]  # landing A again: the same tables
    assert folder_digest(book["reports"])["index.html"] == book["pages"]["index.html"]


@pytest.mark.parametrize("point", ["warehouse:after-commit", "reports:between-renames"])
def test_a_run_killed_after_its_commit_is_finished_by_the_next(book, point):
    """Killed after the warehouse committed: the warehouse holds the new run; its pages, drafted and
    sealed, are swapped in by the next run before it starts its own."""
    killed = arrears(*run_args(book, "a"), fault=point)
    assert killed.returncode == -9
    killed_id, outcome = runs_of(book["warehouse"])[-1]
    assert outcome == "published"
    live, draft = book["reports"], Path(str(book["reports"]) + ".next")
    if point == "reports:between-renames":
        assert not live.exists() and draft.exists()  # the worst moment: no live folder at all
    else:
        assert (live / ".arrears-run").read_text().strip() != killed_id  # the old pages, still whole
        assert folder_digest(live) == book["pages"]
    status = arrears("status", "--warehouse", str(book["warehouse"]), "--reports", str(book["reports"]))
    assert str(draft) in status.stdout and "left by a run that died" in status.stdout
    done = arrears(*run_args(book, "a"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert (live / ".arrears-run").read_text().strip() == runs_of(book["warehouse"])[-1][0]
    assert not draft.exists() and not Path(str(live) + ".old").exists()
    assert_last_good_intact(book)


def test_two_runs_at_once_one_is_refused_naming_the_holder(book):
    first = arrears(*run_args(book, "a"), wait=False)
    holder = RunLock(str(book["warehouse"]))
    deadline = time.monotonic() + 120
    while not holder.held_by_another():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    second = arrears(*run_args(book, "a"))
    assert second.returncode == 3
    run_id = holder.holder()["run_id"]
    assert f"is being written by run {run_id} (process {first.pid}" in second.stderr
    assert "--wait" in second.stderr
    queued = arrears(*run_args(book, "a"), "--wait")  # waits for the first, then runs
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-3000:]
    assert queued.returncode == 0, queued.stderr[-3000:]
    outcomes = [o for _, o in runs_of(book["warehouse"])[-2:]]
    assert outcomes == ["published", "published"]
    assert_last_good_intact(book)


def test_lock_busy_in_process(book, tmp_path, capsys):
    lock = RunLock(str(tmp_path / "w.duckdb"))
    lock.acquire("run-1")
    try:
        other = RunLock(str(tmp_path / "w.duckdb"))
        assert other.held_by_another()
        with pytest.raises(RunLockBusy, match=r"being written by run run-1 \(process \d+, user .+ since .+ UTC\)"):
            other.acquire("run-2", wait=0.3)
        # a run that waited its time and still found the lock held fails at its start, saying why
        assert cli(["run", "--landing", str(book["a"]), "--warehouse", str(tmp_path / "w.duckdb"),
                    "--reports", str(tmp_path / "reports"), "--wait", "0.5"]) == 1
        err = capsys.readouterr().err
        assert "error: run start: assets.publishing.RunLockBusy: the warehouse" in err
        assert "being written by run run-1" in err
    finally:
        lock.release()
    assert not RunLock(str(tmp_path / "w.duckdb")).held_by_another()
    assert not (tmp_path / "w.duckdb").exists()  # refused before the warehouse was opened


def test_a_full_disk_fails_the_run_and_keeps_the_last_reports(book, tmp_path):
    """The reports folder on a small filesystem that holds one set of pages but not a second: the
    run's draft cannot be written, the run fails, rolls back, and the published pages stay."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    size = sum(p.stat().st_size for p in book["reports"].iterdir()) * 3 // 2
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                             capture_output=True).returncode == 0
    if not mounted:  # no mount here: the same failure injected (ENOSPC from the page writer)
        pytest.skip("cannot mount a size-limited tmpfs here; test_a_failed_write_rolls_back covers it")
    try:
        reports = mnt / "reports"
        shutil.copytree(book["reports"], reports)
        before = folder_digest(reports)
        done = arrears("run", "--landing", str(book["b"]), "--warehouse", str(book["warehouse"]),
                       "--reports", str(reports))
        assert done.returncode == 1
        assert "No space left on device" in done.stderr
        assert "rolled back" in done.stderr and "still hold" in done.stderr
        assert folder_digest(reports) == before
        assert warehouse_digest(book["warehouse"]) == book["tables"]
        assert runs_of(book["warehouse"])[-1][1] == "failed"
    finally:
        subprocess.run(["umount", str(mnt)])


def test_a_failed_write_rolls_back(book, monkeypatch):
    """ENOSPC while writing a page, in-process: the run fails, the warehouse and reports are untouched."""
    import errno

    import dashboards.build

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(dashboards.build, "write_text", full)
    assert cli(run_args(book)) == 1
    assert_last_good_intact(book)
    assert runs_of(book["warehouse"])[-1][1] == "failed"


def test_status_and_audit_runs(book):
    con = duckdb.connect(str(book["warehouse"]), read_only=True)
    try:
        cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'audit' AND table_name = 'runs'").fetchall()]
        last = con.execute("SELECT run_id, outcome, ended_at >= started_at, os_user, rejections FROM audit.runs "
                           "WHERE outcome = 'published' ORDER BY ended_at DESC LIMIT 1").fetchall()[0]
    finally:
        con.close()
    assert cols[:4] == ["run_id", "started_at", "ended_at", "outcome"]
    assert last[1:3] == ("published", True)
    assert json.loads(last[4]) == []  # the sample has no rejected row
    status = arrears("status", "--warehouse", str(book["warehouse"]), "--reports", str(book["reports"]))
    assert status.returncode == 0
    assert f"holds run {last[0]}" in status.stdout
    assert f"written by run {last[0]} (the same run)" in status.stdout


def test_version():
    done = arrears("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == "arrears 0.1.0"


def test_a_reports_folder_holding_other_files_is_refused_and_kept(book, tmp_path, capsys):
    """A run replaces the whole reports folder, so it refuses one holding files it did not write (a
    user's documents), before it starts, and touches nothing; an earlier run's pages are fine."""
    mine = tmp_path / "documents"
    (mine / "deep").mkdir(parents=True)
    (mine / "thesis.txt").write_text("precious")
    (mine / "index.html").write_text("<html></html>")
    args = ["run", "--landing", str(book["a"]), "--warehouse", str(tmp_path / "w.duckdb"), "--reports", str(mine)]
    assert cli(args) == 2
    err = capsys.readouterr().err
    assert (f"arrears run: refused: reports folder {mine} holds files the dashboards did not write (deep/, "
            "thesis.txt); a run replaces the whole folder, so name an empty or new folder for the reports") in err
    assert (mine / "thesis.txt").read_text() == "precious" and (mine / "deep").is_dir()
    assert not (tmp_path / "w.duckdb").exists()
    # a draft folder that is not a run's is not deleted either
    (mine / "thesis.txt").unlink()
    (mine / "deep").rmdir()
    other = tmp_path / "documents.next"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert cli(args) == 1
    assert "documents.next is where a run drafts or sets aside its reports, but it holds files" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "mine"
