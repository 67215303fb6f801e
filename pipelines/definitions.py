"""The Dagster code location of arrears: every asset, every check, the warehouse resource, the job.

Loaded by `workspace.yaml` (and so by `dagster dev` / `make ui`) with paths from the environment
(see pipelines/settings.py), and by `arrears run` with paths from its arguments. Loading refuses a
registry in which a mart lacks its checks or its page (`check_registry`).
"""

from __future__ import annotations

import os

import dagster as dg

from assets.partitions import month_partitions
from assets.raw.assets import ASSETS as RAW_ASSETS
from assets.raw.assets import landing_assets
from assets.registry import MARTS, Table
from dashboards.reports_asset import ASSETS as REPORT_ASSETS
from assets.warehouse import WarehouseResource
from assets.warehouse_assets import warehouse_assets
from checks.registry import all_checks, has_gx_suite
from dashboards import page_for_table

from .settings import Settings

JOB_NAME = "arrears"


def check_registry(marts: tuple[Table, ...] = MARTS, pages: dict | None = None) -> None:
    """Raise ValueError naming each mart that has no GX suite, or no page without saying why."""
    pages = page_for_table() if pages is None else pages
    problems = []
    for mart in marts:
        if not has_gx_suite(mart.name):
            problems.append(f"{mart.name} has no checks: add its GX suite checks/marts/"
                            f"{mart.name.replace('.', '__')}.json (and its invariants in checks/marts/invariants.py)")
        if mart.name not in pages and not mart.no_page:
            problems.append(f"{mart.name} has no page: add one in dashboards/ that declares the table, "
                            "or say in its registry entry (no_page=...) why it is not drawn")
    if problems:
        raise ValueError("assets/registry.py: " + "; ".join(problems))


def warehouse_for(settings: Settings) -> WarehouseResource:
    return WarehouseResource(
        path=os.path.abspath(settings.warehouse),
        landing=os.path.abspath(settings.landing),
        reports=os.path.abspath(settings.reports),
        dpd_tolerance=str(settings.tolerance),
        memory_limit=settings.memory_limit,
        threads=settings.threads,
        wait_for_lock=min(settings.wait_for_lock, 1e9),  # "inf": wait as long as it takes
        reject_share=settings.reject_share,
        reject_min_rows=settings.reject_min_rows,
        strict_landing=settings.strict,
        reporting_currency=settings.reporting_currency,
        restate_months=settings.restate_months,
        restate_by=settings.restate_by,
        restate_note=settings.restate_note,
    )


def build_definitions(settings: Settings | None = None, loggers: dict | None = None) -> dg.Definitions:
    """The code location. The reporting months (the partitions of the per-month tables) are the months
    of the ledger files in the settings' landing folder when the definitions load (assets/partitions.py)."""
    check_registry()
    settings = settings or Settings.from_env()
    months = month_partitions(settings.landing)
    job = dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all(),
        description="Everything: read the landing folder, stage, build the marts, check every stage, "
                    "write the dashboards. Runs in one process (one DuckDB writer), over a range of "
                    "reporting months (the per-month tables rebuild only those months).",
        executor_def=dg.in_process_executor,
        partitions_def=months,
    )
    return dg.Definitions(
        assets=[*landing_assets(months, os.path.abspath(settings.landing)), *RAW_ASSETS,
                *warehouse_assets(months), *REPORT_ASSETS],
        asset_checks=all_checks(),
        resources={"warehouse": warehouse_for(settings)},
        jobs=[job],
        loggers=loggers,
        executor=dg.in_process_executor,  # one DuckDB writer: every run, also from the UI, in one process
    )


defs = build_definitions()
