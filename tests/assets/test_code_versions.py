"""Each asset's code_version is that of the module that builds it (assets.versioning.code_version_of):
editing a module changes the version of the assets built by it or by a module importing it, and of no
other; the versions are the same in every process that loads the same files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from assets.versioning import PACKAGES, code_version_of

# The module that builds each asset, by hand from assets/registry.py, assets/raw/assets.py (load_entity)
# and dashboards/reports_asset.py (build_reports).
BUILDERS = {
    "raw/accounts": "assets.raw.load", "raw/ledger": "assets.raw.load", "raw/complaints": "assets.raw.load",
    "staging/accounts": "assets.staging.accounts", "staging/ledger": "assets.staging.ledger",
    "staging/complaints": "assets.staging.complaints",
    "audit/rejected_rows": "assets.staging.audit", "audit/source_files": "assets.staging.audit",
    "intermediate/ledger_flows": "assets.intermediate.ledger_flows",
    "marts/account_month": "assets.marts.account_month", "marts/aging": "assets.marts.aging",
    "marts/roll_rates": "assets.marts.roll_rates", "marts/cure_rates": "assets.marts.cure_rates",
    "marts/delinquency_rates": "assets.marts.delinquency_rates", "marts/charge_offs": "assets.marts.charge_offs",
    "marts/roll_forward": "assets.marts.roll_forward", "marts/complaint_metrics": "assets.marts.complaint_metrics",
    "marts/complaints_by_bucket": "assets.marts.complaints_by_bucket",
    "marts/quarterly_rates": "assets.marts.quarterly_rates",
    "reports/dashboards": "dashboards.build",
    "raw/fx": "assets.raw.load", "staging/fx_rates": "assets.staging.fx_rates",
    **{f"marts/{t}_converted": "assets.marts.converted" for t in ("aging", "roll_rates", "cure_rates",
                                                                 "delinquency_rates", "charge_offs", "roll_forward")},
    # the segments: each by-segment mart is built by its base mart's module
    "intermediate/account_segments": "assets.intermediate.account_segments",
    **{f"marts/{m}_by_segment": f"assets.marts.{m}"
       for m in ("aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs")},
    "marts/vintage_curves": "assets.marts.vintage_curves",
    # the roll-rate loss forecast
    **{f"marts/{m}": f"assets.marts.{m}" for m in ("roll_rate_averages", "lifetime_loss_rates", "roll_rate_reserve",
                                                   "loss_projection", "loss_backtest")},
}

PRINT_VERSIONS = """
import json, assets
from assets.raw.assets import ASSETS as R
from assets.warehouse_assets import warehouse_assets
W = warehouse_assets()
from dashboards.reports_asset import ASSETS as P
print(json.dumps({"root": assets.__file__,
                  "versions": {s.key.to_user_string(): s.code_version for a in R + W + P for s in a.specs}}))
"""


def versions_in_a_new_process(root) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(root)
    out = subprocess.run([sys.executable, "-c", PRINT_VERSIONS], cwd=root, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["root"] == str(root / "assets" / "__init__.py")  # the copy was imported, not another checkout
    return loaded["versions"]


def versions_here() -> dict[str, str]:
    from assets.raw.assets import ASSETS as raw
    from dashboards.reports_asset import ASSETS as reports
    from assets.warehouse_assets import warehouse_assets

    warehouse = warehouse_assets()

    return {s.key.to_user_string(): s.code_version for a in raw + warehouse + reports for s in a.specs}


def test_each_asset_has_the_version_of_its_builder_module():
    versions = versions_here()
    assert set(versions) == set(BUILDERS)
    assert versions == {key: code_version_of(module) for key, module in BUILDERS.items()}
    assert all(len(v) == 16 for v in versions.values())
    # 40 assets; the raw four and the audit two share a builder, the six converted marts one, and each
    # by-segment mart its base mart's
    assert len(set(versions.values())) == 26


@pytest.fixture(scope="module")
def edited(tmp_path_factory, repo_root):
    """The versions from a copy of the packages (loaded in a new process), and from the same copy with
    assets/marts/flows.py and dashboards/aging.py edited."""
    def copy(name):
        root = tmp_path_factory.mktemp(name)
        for package in PACKAGES:
            shutil.copytree(repo_root / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
        return root

    same, changed = copy("same"), copy("changed")
    for path in ("assets/marts/flows.py", "dashboards/aging.py"):
        with open(changed / path, "a", encoding="utf-8") as fh:
            fh.write("\n# an edit\n")
    return versions_in_a_new_process(same), versions_in_a_new_process(changed)


def test_versions_are_the_same_in_another_process(edited):
    same, _ = edited
    assert same == versions_here()


def test_an_edit_changes_the_assets_built_by_or_importing_the_module_and_no_other(edited):
    same, changed = edited
    # flows.py is imported by charge_offs.py and roll_forward.py only; dashboards/aging.py by dashboards/build.py
    assert {k for k in same if same[k] != changed[k]} == {"marts/charge_offs", "marts/roll_forward",
                                                          "marts/charge_offs_by_segment", "reports/dashboards"}
