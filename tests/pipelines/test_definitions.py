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
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    wh = defs.resources["warehouse"]
    assert wh.landing == str(tmp_path / "in") and wh.path == str(tmp_path / "wh.duckdb")
    assert wh.dpd_tolerance == "0.00"
    groups = {k.to_user_string(): spec.group_name for k, spec in
              ((s.key, s) for a in defs.assets for s in a.specs)}
    assert groups["raw/ledger"] == "raw" and groups["staging/ledger"] == "staging"
    assert groups["marts/account_month"] == "marts" and groups["reports/dashboards"] == "reports"
    for a in defs.assets:
        for s in a.specs:
            assert s.description and s.owners and s.code_version, s.key
