"""All asset checks, by stage: a GX suite per table plus the SQL invariants beside it."""

from __future__ import annotations

import dagster as dg

from .marts.invariants import GX_TABLES as MART_TABLES, INVARIANTS as MART_INVARIANTS
from .raw.invariants import GX_TABLES as RAW_TABLES, INVARIANTS as RAW_INVARIANTS
from .staging.issue_groups import issue_groups_known
from .staging.invariants import GX_TABLES as STAGING_TABLES, INVARIANTS as STAGING_INVARIANTS
from .table import table_checks

STAGES = {
    "raw": (RAW_TABLES, RAW_INVARIANTS),
    "staging": (STAGING_TABLES, STAGING_INVARIANTS),
    "marts": (MART_TABLES, MART_INVARIANTS),
}


def all_checks(tables: set[str] | None = None) -> list[dg.AssetChecksDefinition]:
    """Every check whose table is in `tables` (all when None): one step per table (checks/table.py)."""
    out = []
    for stage, (gx_tables, invariants) in STAGES.items():
        names = list(dict.fromkeys([*gx_tables, *(i.table for i in invariants)]))
        for table in names:
            if tables is not None and table not in tables:
                continue
            out.append(table_checks(table, stage if table in gx_tables else None,
                                    [i for i in invariants if i.table == table]))
    if tables is None or "staging.complaints" in tables:
        out.append(issue_groups_known)
    return out
