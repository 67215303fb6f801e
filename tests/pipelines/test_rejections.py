"""Bad runs that look good (issue 14, group 11): every run ends with its rejections by file and rule; an
entity whose rejected rows pass the threshold fails the run (a blocking check naming the files) and the
last good outputs stay; a handful of bad rows stays a listed rejection; `arrears rejections` lists them."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from checks.staging.rejections import evaluate
from pipelines.cli import main as cli

ACCOUNTS, MONTHS = 120, 3
LEDGER = "ledger/ledger_2026-10.csv"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    landing = tmp_path_factory.mktemp("rej") / "landing"
    assert cli(["sample", str(landing), "--accounts", str(ACCOUNTS), "--months", str(MONTHS), "--seed", "9"]) == 0
    return landing


def with_bad_rows(sample, tmp_path, n: int):
    """A copy of the sample whose October ledger file ends with `n` entries of amount -1.00 (each
    rejected: amount must be > 0), on lines read off the file."""
    landing = tmp_path / "landing"
    shutil.copytree(sample, landing)
    path = landing / LEDGER
    text = path.read_text("utf-8")
    first_line = text.count("\n") + 1  # the header is line 1: the next line written is this one
    account = text.splitlines()[1].split(",")[1]
    with path.open("a", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f"BAD{i:04d},{account},2026-10-15,fee,-1.00,,\n")
    return landing, list(range(first_line, first_line + n))


def run(landing, tmp_path, capsys):
    code = cli(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
                "--reports", str(tmp_path / "reports")])
    return code, capsys.readouterr().err


def test_a_few_bad_rows_are_listed_and_the_run_passes(sample, tmp_path, capsys):
    landing, lines = with_bad_rows(sample, tmp_path, 3)
    code, err = run(landing, tmp_path, capsys)
    assert code == 0, err[-3000:]
    assert "rejections: 3 row(s) not loaded (list them with `arrears rejections`):" in err
    assert f"           3  {LEDGER}: amount must be > 0" in err
    # listed one by one, with file, line and reason
    assert cli(["rejections", "--warehouse", str(tmp_path / "w.duckdb"), "--file", "ledger_2026-10.csv"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[::2] == [f"{LEDGER}:{n}: amount must be > 0: '-1.00'" for n in lines]
    assert "3 of 3 rejected row(s) shown" in out.err
    assert cli(["rejections", "--warehouse", str(tmp_path / "w.duckdb"), "--reason", "posted_on"]) == 0
    assert capsys.readouterr().out == ""


def test_a_bad_delivery_fails_the_run_and_keeps_the_last_good(sample, tmp_path, capsys):
    code, err = run(sample, tmp_path, capsys)  # the good delivery first
    assert code == 0, err[-3000:]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    good_entries = con.execute("SELECT count(*) FROM staging.ledger").fetchall()[0][0]
    con.close()
    landing, lines = with_bad_rows(sample, tmp_path, 150)
    code, err = run(landing, tmp_path, capsys)
    assert code == 1
    assert "rejections: 150 row(s) not loaded" in err
    assert f"         150  {LEDGER}: amount must be > 0" in err
    assert "error: blocking check failed: audit/source_files:rejections_within_threshold" in err
    assert f"{LEDGER}: 150 of" in err  # the check names the file and its counts
    assert "rolled back" in err and "still hold what the last good run published (run " in err
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM staging.ledger").fetchall()[0][0] == good_entries
        assert con.execute("SELECT count(*) FROM audit.rejected_rows").fetchall()[0][0] == 0
        outcomes = [o for (o,) in con.execute("SELECT outcome FROM audit.runs ORDER BY started_at").fetchall()]
        assert outcomes == ["published", "failed"]
    finally:
        con.close()


@pytest.mark.parametrize("read,rejected,passes", [
    (10_000, 100, True),    # exactly 1 %: not more than 1 %
    (10_000, 101, False),   # more than 1 % and at least 100
    (5_000, 99, True),      # 1.98 % but fewer than 100 rows: a warning, not a failure
    (5_000, 100, False),
    (0, 0, True),
])
def test_threshold(read, rejected, passes):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA audit")
    con.execute("CREATE TABLE audit.source_files (entity VARCHAR, source_file VARCHAR, rows_read BIGINT, "
                "rows_rejected BIGINT)")
    con.execute("INSERT INTO audit.source_files VALUES ('ledger', 'ledger/ledger_2026-01.csv', ?, ?), "
                "('accounts', 'accounts/accounts_2026-01.csv', 1000, 500)", [read, rejected])
    ok, meta = evaluate(con, 0.01, 100)
    # accounts: 500 of 1,000 rejected is over the threshold whatever the ledger does
    assert ok is False and "accounts" in meta["entities over the threshold"]
    ok, meta = evaluate(con.execute("DELETE FROM audit.source_files WHERE entity = 'accounts'") or con, 0.01, 100)
    assert ok is passes
    assert meta["entities over the threshold"] == ([] if passes else ["ledger"])
