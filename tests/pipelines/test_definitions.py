"""The same Definitions load from workspace.yaml (as `dagster dev` / `make ui` load them)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_definitions_validate_from_workspace(tmp_path, repo_root):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path), ARREARS_WAREHOUSE=str(tmp_path / "w.duckdb"))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    proc = subprocess.run([dagster, "definitions", "validate", "-w", "workspace.yaml"], cwd=repo_root, env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_definitions_take_paths_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ARREARS_LANDING", str(tmp_path / "in"))
    monkeypatch.setenv("ARREARS_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("ARREARS_DPD_TOLERANCE", "0")
    import dagster as dg

    from pipelines.definitions import build_definitions

    defs = build_definitions()
    wh = defs.resources["warehouse"]
    assert wh.landing == str(tmp_path / "in") and wh.path == str(tmp_path / "wh.duckdb")
    assert wh.dpd_tolerance == "0.00"
    groups = {k.to_user_string(): spec.group_name for k, spec in
              ((s.key, s) for a in defs.assets if not isinstance(a, dg.SourceAsset) for s in a.specs)}
    assert groups["raw/ledger"] == "raw" and groups["staging/ledger"] == "staging"
    assert groups["marts/account_month"] == "marts" and groups["reports/dashboards"] == "reports"
    for a in defs.assets:
        if isinstance(a, dg.SourceAsset):  # the landing files: Dagster gives a source asset no owners
            assert a.key.path[0] == "landing" and a.description and a.partitions_def is not None, a.key
            continue
        for s in a.specs:
            assert s.description and s.owners and s.code_version, s.key


def test_partition_definitions_load_from_workspace_with_a_landing_folder(tmp_path, repo_root):
    from pipelines.cli import main as cli

    landing = tmp_path / "landing"
    assert cli(["sample", str(landing), "--accounts", "20", "--months", "3", "--seed", "1"]) == 0
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path), ARREARS_WAREHOUSE=str(tmp_path / "w.duckdb"),
               ARREARS_LANDING=str(landing))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    proc = subprocess.run([dagster, "definitions", "validate", "-w", "workspace.yaml"], cwd=repo_root, env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_partitions_are_the_ledger_months_of_the_landing_folder(monkeypatch, tmp_path):
    from datetime import date

    from pipelines.definitions import JOB_NAME, build_definitions

    for name in ("ledger_2026-03.csv", "ledger_2025-11.csv", "ledger_2026-01.csv", "ledger_2025-12.csv",
                 "ledger_2026-02.parquet", "notes.txt"):
        (tmp_path / "in" / "ledger").mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / "ledger" / name).write_text("")
    (tmp_path / "in" / "accounts").mkdir()
    (tmp_path / "in" / "accounts" / "accounts_2025-06.csv").write_text("")  # not a reporting month
    monkeypatch.setenv("ARREARS_LANDING", str(tmp_path / "in"))
    defs = build_definitions()
    keys = defs.resolve_job_def(JOB_NAME).partitions_def.get_partition_keys()
    assert keys == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    # no landing folder: the definitions still load, with the current month as the one partition
    monkeypatch.setenv("ARREARS_LANDING", str(tmp_path / "nowhere"))
    keys = build_definitions().resolve_job_def(JOB_NAME).partitions_def.get_partition_keys()
    assert keys == [date.today().strftime("%Y-%m")]


def test_the_partition_mappings_are_the_months_each_figure_reads(monkeypatch, tmp_path):
    import dagster as dg

    from pipelines.definitions import build_definitions

    monkeypatch.setenv("ARREARS_LANDING", str(tmp_path / "nowhere"))
    defs = build_definitions()
    graph = defs.resolve_asset_graph()

    def reads(asset: str) -> dict[str, object]:
        node = graph.get(dg.AssetKey(asset.split("/")))
        out = {}
        for parent in node.parent_keys:
            m = node.assets_def.get_partition_mapping_for_dep(parent)
            if isinstance(m, dg.TimeWindowPartitionMapping):
                out[parent.to_user_string()] = (m.start_offset, m.end_offset)
            elif isinstance(m, dg.AllPartitionMapping):
                out[parent.to_user_string()] = "all"
        return out

    am = "marts/account_month"
    assert reads("marts/roll_rates") == {am: (-1, 0)}
    assert reads("marts/cure_rates") == {am: (-1, 6)}  # cure m−1 → m, cured_within_3m m … m+2, redefault m+1 … m+6
    assert reads("marts/charge_offs") == {am: (-1, 0), "intermediate/ledger_flows": (0, 0)}
    assert reads("marts/roll_forward") == {am: (-1, 0), "intermediate/ledger_flows": (0, 0)}
    assert reads("marts/aging") == {am: (0, 0)}
    assert reads("marts/delinquency_rates") == {am: (0, 0)}
    seg = "intermediate/account_segments"  # the segments: at the month(s) whose attributes a figure takes
    assert reads(seg) == {am: (0, 0)}
    assert reads("marts/aging_by_segment") == {am: (0, 0), seg: (0, 0)}
    assert reads("marts/delinquency_rates_by_segment") == {am: (0, 0), seg: (0, 0)}
    assert reads("marts/roll_rates_by_segment") == {am: (-1, 0), seg: (-1, 0)}
    assert reads("marts/cure_rates_by_segment") == {am: (-1, 6), seg: (-1, 6)}
    assert reads("marts/charge_offs_by_segment") == {am: (-1, 0), seg: (-1, 0)}
    assert reads("marts/vintage_curves") == {am: (-600, 0)}  # every earlier month: a vintage from its opening on
    # the quarter ending at m: the quarter-end delinquency rates, the three months' charge-offs and open balances
    assert reads("marts/quarterly_rates") == {"marts/delinquency_rates": (-2, 0), "marts/charge_offs": (-2, 0)}
    # the roll-rate loss forecast: every figure of m reads only months <= m
    assert reads("marts/roll_rate_averages") == {"marts/roll_rates": (-11, 0)}
    assert reads("marts/lifetime_loss_rates") == {"marts/roll_rate_averages": (0, 0), "marts/aging": (0, 0),
                                                  "marts/charge_offs": (-11, 0)}
    assert reads("marts/roll_rate_reserve") == {"marts/lifetime_loss_rates": (0, 0)}
    assert reads("marts/loss_projection") == {"marts/roll_rate_averages": (0, 0), "marts/aging": (0, 0)}
    assert reads("marts/loss_backtest") == {"marts/loss_projection": (-12, -1), "marts/charge_offs": (0, 0)}
    assert reads("marts/complaint_metrics") == {am: "all"}  # judged as of the latest month end
    assert reads("marts/complaints_by_bucket") == {am: "all"}
    # a converted mart reads its native mart's same month, and every rate (staging is not partitioned)
    assert reads("marts/roll_forward_converted") == {"marts/roll_forward": (0, 0)}
    partitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned}
    converted = {f"marts/{t}_converted" for t in ("aging", "roll_rates", "cure_rates", "delinquency_rates",
                                                  "charge_offs", "roll_forward")}
    assert partitioned == {"landing/accounts", "landing/ledger", "landing/complaints", "landing/fx", am,
                           "intermediate/ledger_flows", "marts/aging", "marts/roll_rates", "marts/cure_rates",
                           "marts/delinquency_rates", "marts/charge_offs", "marts/roll_forward", *converted, seg,
                           "marts/quarterly_rates",
                           *(f"marts/{m}_by_segment" for m in ("aging", "roll_rates", "cure_rates",
                                                               "delinquency_rates", "charge_offs")),
                           "marts/vintage_curves",
                           *(f"marts/{m}" for m in ("roll_rate_averages", "lifetime_loss_rates", "roll_rate_reserve",
                                                    "loss_projection", "loss_backtest"))}
    for key in partitioned - {"landing/accounts", "landing/ledger", "landing/complaints", "landing/fx"}:
        policy = graph.get(dg.AssetKey(key.split("/"))).backfill_policy
        assert policy == dg.BackfillPolicy.single_run(), key
