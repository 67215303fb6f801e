"""The Dagster code location of arrears: every asset, every check, the warehouse resource, the job.

Loaded by `workspace.yaml` (and so by `dagster dev` / `make ui`) with paths from the environment
(see pipelines/settings.py), and by `arrears run` with paths from its arguments.
"""

from __future__ import annotations

import os

import dagster as dg

from assets.marts.assets import ASSETS as MART_ASSETS
from assets.raw.assets import ASSETS as RAW_ASSETS
from assets.reports.assets import ASSETS as REPORT_ASSETS
from assets.staging.assets import ASSETS as STAGING_ASSETS
from checks.registry import all_checks

from .resources import WarehouseResource
from .settings import Settings

ALL_ASSETS = [*RAW_ASSETS, *STAGING_ASSETS, *MART_ASSETS, *REPORT_ASSETS]
JOB_NAME = "arrears"


def warehouse_for(settings: Settings) -> WarehouseResource:
    return WarehouseResource(
        path=os.path.abspath(settings.warehouse),
        landing=os.path.abspath(settings.landing),
        reports=os.path.abspath(settings.reports),
        dpd_tolerance=str(settings.tolerance),
        memory_limit=settings.memory_limit,
        threads=settings.threads,
    )


def build_definitions(settings: Settings | None = None, loggers: dict | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    job = dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all(),
        description="Everything: read the landing folder, stage, build the marts, check every stage, "
                    "write the dashboards. Runs in one process (one DuckDB writer).",
        executor_def=dg.in_process_executor,
    )
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=all_checks(),
        resources={"warehouse": warehouse_for(settings)},
        jobs=[job],
        loggers=loggers,
    )


defs = build_definitions()
