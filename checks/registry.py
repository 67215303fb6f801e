"""All asset checks, by stage: a GX suite per table plus the SQL invariants beside it."""

from __future__ import annotations

import dagster as dg

from .gx import gx_check
from .marts.invariants import GX_TABLES as MART_TABLES, INVARIANTS as MART_INVARIANTS
from .raw.invariants import GX_TABLES as RAW_TABLES, INVARIANTS as RAW_INVARIANTS
from .sql import invariant_check
from .staging.issue_groups import issue_groups_known
from .staging.invariants import GX_TABLES as STAGING_TABLES, INVARIANTS as STAGING_INVARIANTS

STAGES = {
    "raw": (RAW_TABLES, RAW_INVARIANTS),
    "staging": (STAGING_TABLES, STAGING_INVARIANTS),
    "marts": (MART_TABLES, MART_INVARIANTS),
}


def all_checks(tables: set[str] | None = None) -> list[dg.AssetChecksDefinition]:
    """Every check whose table is in `tables` (all when None)."""
    out = []
    for stage, (gx_tables, invariants) in STAGES.items():
        out += [gx_check(t, stage) for t in gx_tables if tables is None or t in tables]
        out += [invariant_check(i) for i in invariants if tables is None or i.table in tables]
    if tables is None or "staging.complaints" in tables:
        out.append(issue_groups_known)
    return out
