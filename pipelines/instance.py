"""The persistent Dagster instance a run is recorded in (so `make ui` shows it).

By default each warehouse has its own: the folder `<warehouse stem>.dagster/` beside the warehouse file
(`data/warehouse.duckdb` → `data/warehouse.dagster/`), so two warehouses never share a run history.
`--dagster-home` (arrears run) or the environment's DAGSTER_HOME chooses another folder. The folder is
created on first use with a `dagster.yaml` that turns Dagster's telemetry off; an existing dagster.yaml
is left as it is. A run is never recorded in a throwaway (ephemeral) instance.
"""

from __future__ import annotations

import os

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def dagster_home(warehouse: str, override: str | None = None) -> str:
    """The absolute folder of the warehouse's Dagster instance: `override`, else DAGSTER_HOME, else
    `<warehouse stem>.dagster` beside the warehouse."""
    chosen = override or os.environ.get("DAGSTER_HOME")
    if chosen:
        return os.path.abspath(chosen)
    warehouse = os.path.abspath(warehouse)
    home = os.path.splitext(warehouse)[0] + ".dagster"
    return home if home != warehouse else warehouse + ".home"  # a warehouse itself named *.dagster


def prepare_home(home: str) -> str:
    """Create the instance folder and its dagster.yaml (telemetry off) when missing; returns `home`."""
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8") as fh:
            fh.write(DAGSTER_YAML)
    return home


def persistent_instance(home: str):
    """The Dagster instance stored in `home` (prepared first)."""
    import dagster as dg

    return dg.DagsterInstance.from_config(prepare_home(home))
