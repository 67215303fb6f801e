"""`arrears run` inspects the landing folder before Dagster starts: a landing with no ledger file, a symbolic
link, or (with --strict or ARREARS_STRICT) an unknown name is refused at once with exit code 2, naming it."""

from __future__ import annotations

import os

import pytest

from pipelines.cli import main as cli
from pipelines.definitions import warehouse_for
from pipelines.settings import Settings


def run(landing, tmp_path, *extra) -> int:
    return cli(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
                "--reports", str(tmp_path / "r"), *extra])


@pytest.fixture
def landing(tmp_path):
    """A landing folder with a valid accounts file and no ledger file."""
    root = tmp_path / "landing"
    (root / "accounts").mkdir(parents=True)
    (root / "accounts" / "accounts_2026-01.csv").write_text(
        "account_id,portfolio,product_type,opened_on,currency,credit_limit\n"
        "A1,cards-us,revolving,2026-01-15,USD,1.00\n")
    return root


def test_a_landing_with_no_ledger_file_is_refused_before_anything_runs(landing, tmp_path, capsys):
    assert run(landing, tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"arrears run: no ledger file in the landing folder {os.path.realpath(landing)}: a landing "
                          "with no ledger file is refused before anything runs. The contract's layout:\n<landing>/\n")
    assert "  ledger/      ledger_YYYY-MM.{csv,csv.gz,parquet}       entries posted during that month\n" in err
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "r").exists()


def test_a_symbolic_link_is_refused_before_anything_runs(landing, tmp_path, capsys):
    (landing / "ledger").mkdir()
    (landing / "ledger" / "ledger_2026-01.csv").write_text("entry_id,account_id,posted_on,entry_type,amount\n")
    os.symlink(landing / "ledger" / "ledger_2026-01.csv", landing / "ledger" / "ledger_2026-02.csv")
    assert run(landing, tmp_path) == 2
    assert capsys.readouterr().err == (
        "arrears run: ledger/ledger_2026-02.csv: a symbolic link (to a path inside the landing folder): symbolic "
        "links are refused; put the file or folder itself in the landing folder\n")
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("how", ["--strict", "ARREARS_STRICT=1", "ARREARS_STRICT=true"])
def test_strict_mode_refuses_an_unknown_folder(landing, tmp_path, capsys, monkeypatch, how):
    (landing / "ledger").mkdir()
    (landing / "ledger" / "ledger_2026-01.csv").write_text("entry_id,account_id,posted_on,entry_type,amount\n")
    (landing / "complaint").mkdir()
    extra = [how] if how.startswith("--") else []
    if not extra:
        monkeypatch.setenv(*how.split("="))
    assert run(landing, tmp_path, *extra) == 2
    assert capsys.readouterr().err == (
        "arrears run: complaint/: not read: not a folder of the contract, so nothing in it is read; did you mean "
        "complaints/? (refused: strict mode)\n")


@pytest.mark.parametrize("value, strict", [("", False), ("0", False), ("off", False), ("1", True), ("yes", True),
                                           (" TRUE ", True), ("on", True)])
def test_strict_setting_reaches_the_warehouse_resource(monkeypatch, value, strict):
    monkeypatch.setenv("ARREARS_STRICT", value)
    settings = Settings.from_env()
    assert settings.strict is strict and warehouse_for(settings).strict_landing is strict
    assert Settings.from_env(strict=True).strict is True
