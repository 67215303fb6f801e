"""Every asset check, keyed by the table it guards: the GX suite of the table (when
`checks/<stage>/<schema>__<table>.json` exists) and the SQL invariants that name the table.

The tables are the raw views of the contract's entities and the registered tables (assets/registry.py);
each table's checks run as one Dagster step (checks/table.py).
"""

from __future__ import annotations

import dagster as dg

from assets.raw.contract import ENTITIES
from assets.registry import TABLES

from .closed_months import closed_months
from .gx import suite_path
from .marts.invariants import INVARIANTS as MART_INVARIANTS
from .raw.invariants import INVARIANTS as RAW_INVARIANTS
from .raw.landing_entries import CHECKS as LANDING_CHECKS
from .sql import Invariant
from .staging.invariants import INVARIANTS as STAGING_INVARIANTS
from .staging.issue_groups import issue_groups_known
from .staging.rejections import rejections_within_threshold
from .table import table_checks

# The folder of checks/ that guards each schema.
STAGE_OF_SCHEMA = {"raw": "raw", "staging": "staging", "audit": "staging", "intermediate": "marts", "marts": "marts"}
CHECKED_TABLES = (*(f"raw.{e}" for e in ENTITIES), *(t.name for t in TABLES))
INVARIANTS: tuple[Invariant, ...] = (*RAW_INVARIANTS, *STAGING_INVARIANTS, *MART_INVARIANTS)
# Checks written as their own Dagster check, by table.
OTHER_CHECKS = {"staging.complaints": (issue_groups_known,), "audit.source_files": (rejections_within_threshold,),
                **{t: (c,) for t, c in LANDING_CHECKS.items()}}


def stage_of(table: str) -> str:
    return STAGE_OF_SCHEMA[table.split(".")[0]]


def has_gx_suite(table: str) -> bool:
    return suite_path(stage_of(table), table).exists()


def invariants_of(table: str) -> list[Invariant]:
    return [i for i in INVARIANTS if i.table == table]


def all_checks(tables: set[str] | None = None) -> list[dg.AssetChecksDefinition]:
    """Every check whose table is in `tables` (all when None): one step per table."""
    unknown = sorted({i.table for i in INVARIANTS} - set(CHECKED_TABLES))
    if unknown:
        raise ValueError(f"invariants name tables that are neither raw nor registered: {', '.join(unknown)}")
    out = []
    for table in CHECKED_TABLES:
        if tables is not None and table not in tables:
            continue
        gx, invariants = has_gx_suite(table), invariants_of(table)
        if gx or invariants:
            out.append(table_checks(table, stage_of(table) if gx else None, invariants))
        out.extend(OTHER_CHECKS.get(table, ()))
    if tables is None or any(t.startswith("marts.") for t in tables):
        out.append(closed_months)  # closed months stay closed: files and every mart, in one step
    return out
