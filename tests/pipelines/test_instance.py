"""Runs started by `arrears run` are recorded in a persistent Dagster instance: by default
`<warehouse stem>.dagster/` beside the warehouse (so two warehouses never share one), else DAGSTER_HOME,
else `--dagster-home`; each run carries its parameters and the code version as tags."""

from __future__ import annotations

import json
import os

import dagster as dg
import duckdb
import pytest

from assets.versioning import code_version_label
from pipelines.cli import main as cli
from pipelines.instance import dagster_home

pytestmark = pytest.mark.persistent_dagster  # these tests are about the persistent instance


def runs_in(home) -> list:
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        return list(reversed(instance.get_runs()))  # oldest first
    finally:
        instance.dispose()


def arrears_tags(run) -> dict[str, str]:
    return {k: v for k, v in run.tags.items() if k.startswith("arrears/")}


def recorded_runs(warehouse) -> list[tuple[str, dict]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT run_id, parameters FROM audit.runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    return [(r, json.loads(p)) for r, p in rows]


def test_the_default_folder_is_beside_the_warehouse(monkeypatch, tmp_path):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home("data/warehouse.duckdb") == os.path.abspath("data/warehouse.dagster")
    assert dagster_home(str(tmp_path / "q4" / "book.db")) == str(tmp_path / "q4" / "book.dagster")
    assert dagster_home(str(tmp_path / "wh")) == str(tmp_path / "wh.dagster")
    assert dagster_home(str(tmp_path / "odd.dagster")) == str(tmp_path / "odd.dagster.home")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "env"))
    assert dagster_home(str(tmp_path / "wh.duckdb")) == str(tmp_path / "env")
    assert dagster_home(str(tmp_path / "wh.duckdb"), str(tmp_path / "opt")) == str(tmp_path / "opt")


def test_the_dagster_home_command_prints_and_prepares_the_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert cli(["dagster-home", "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'w.dagster'}\n"
    assert (tmp_path / "w.dagster" / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    monkeypatch.setenv("ARREARS_WAREHOUSE", str(tmp_path / "other.duckdb"))
    assert cli(["dagster-home"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'other.dagster'}\n"


def test_a_run_is_in_the_instance_beside_its_warehouse_with_its_parameters_as_tags(small_run):
    (run,) = runs_in(small_run.dagster_home)
    assert run.run_id == small_run.run_id and run.status == dg.DagsterRunStatus.SUCCESS
    assert arrears_tags(run) == {
        "arrears/landing": str(small_run.landing), "arrears/warehouse": str(small_run.warehouse),
        "arrears/reports": str(small_run.reports), "arrears/dpd_tolerance": "5.00", "arrears/reject_share": "0.01",
        "arrears/reject_min_rows": "100", "arrears/strict_landing": "False", "arrears/memory_limit": "6GB",
        "arrears/threads": "0", "arrears/reporting_currency": "USD", "arrears/code_version": code_version_label()}
    # the same parameters as the run's row of audit.runs
    ((run_id, parameters),) = recorded_runs(small_run.warehouse)
    assert {f"arrears/{k}": str(v) for k, v in parameters.items()} == {
        k: v for k, v in arrears_tags(run).items() if k != "arrears/code_version"}
    assert (small_run.dagster_home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, repo_root):
    """Warehouse A run twice (the second with another DPD tolerance), then once more with --dagster-home."""
    data = repo_root / "data"
    before = sorted(p.relative_to(data) for p in data.rglob("*")) if data.exists() else None
    root = tmp_path_factory.mktemp("instances")
    landing = root / "landing"
    assert cli(["sample", str(landing), "--accounts", "40", "--months", "2", "--seed", "2"]) == 0
    args = ["run", "--landing", str(landing), "--warehouse", str(root / "a.duckdb"), "--reports", str(root / "ra")]
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        assert cli(args) == 0
        assert cli(args + ["--dpd-tolerance", "2.5"]) == 0
        assert cli(args + ["--dagster-home", str(root / "chosen")]) == 0
    after = sorted(p.relative_to(data) for p in data.rglob("*")) if data.exists() else None
    return root, before, after


def test_two_runs_of_one_warehouse_are_both_in_its_instance(two_runs):
    root, _, _ = two_runs
    runs = runs_in(root / "a.dagster")
    recorded = recorded_runs(root / "a.duckdb")
    assert [r.run_id for r in runs] == [r for r, _ in recorded[:2]]
    assert [r.tags["arrears/dpd_tolerance"] for r in runs] == ["5.00", "2.50"]
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)


def test_dagster_home_option_chooses_the_instance(two_runs):
    root, _, _ = two_runs
    (run,) = runs_in(root / "chosen")
    assert run.run_id == recorded_runs(root / "a.duckdb")[2][0]


def test_two_warehouses_get_two_instances(two_runs, small_run):
    root, _, _ = two_runs
    ours = {r.run_id for r in runs_in(root / "a.dagster")}
    theirs = {r.run_id for r in runs_in(small_run.dagster_home)}
    assert len(ours) == 2 and theirs == {small_run.run_id} and not ours & theirs


def test_runs_in_a_temporary_folder_write_nothing_into_the_repository(two_runs):
    _, before, after = two_runs
    assert after == before


def test_the_instance_files_alone_are_written_without_waiting_for_the_disk(tmp_path):
    """SQLite's `synchronous` is 0 (OFF) on the instance's own files, and stays 2 (FULL, SQLite's default)
    on any other SQLite file this process opens."""
    import sqlalchemy

    from pipelines.instance import persistent_instance

    instance = persistent_instance(str(tmp_path / "w.dagster"))
    try:
        def synchronous(path):
            engine = sqlalchemy.create_engine(f"sqlite:///{path}", poolclass=sqlalchemy.pool.NullPool)
            with engine.connect() as con:
                return con.exec_driver_sql("PRAGMA synchronous").scalar()

        assert synchronous(tmp_path / "w.dagster" / "probe.db") == 0
        assert synchronous(tmp_path / "elsewhere.db") == 2
        assert synchronous(tmp_path / "w.dagster.db") == 2  # a sibling whose name starts like the folder
    finally:
        instance.dispose()
