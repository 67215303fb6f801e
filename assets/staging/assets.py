"""Dagster assets of the staging and audit layers."""

from __future__ import annotations

from ..meta import warehouse_asset
from .accounts import build_accounts
from .audit import build_rejected_rows, build_source_files
from .complaints import build_complaints
from .ledger import build_ledger

staging_accounts = warehouse_asset(
    table="staging.accounts", deps=["raw.accounts"], group="staging",
    build=lambda con, wh, log: build_accounts(con),
    extra_tables=("staging.account_versions", "staging.account_keys", "staging.accounts_rejected"),
    description=build_accounts.__doc__,
)
staging_ledger = warehouse_asset(
    table="staging.ledger", deps=["raw.ledger", "staging.accounts"], group="staging",
    build=lambda con, wh, log: build_ledger(con, log),
    extra_tables=("staging.ledger_rejected", "staging.reporting_months"),
    description=build_ledger.__doc__,
)
staging_complaints = warehouse_asset(
    table="staging.complaints", deps=["raw.complaints", "staging.accounts"], group="staging",
    build=lambda con, wh, log: build_complaints(con),
    extra_tables=("staging.complaint_versions", "staging.complaints_rejected", "staging.issue_crosswalk"),
    description=build_complaints.__doc__,
)
audit_rejected_rows = warehouse_asset(
    table="audit.rejected_rows", deps=["staging.accounts", "staging.ledger", "staging.complaints"], group="audit",
    build=lambda con, wh, log: build_rejected_rows(con),
    description=build_rejected_rows.__doc__,
)
audit_source_files = warehouse_asset(
    table="audit.source_files", deps=["audit.rejected_rows"], group="audit",
    build=lambda con, wh, log: build_source_files(con),
    description=build_source_files.__doc__,
)
ASSETS = [staging_accounts, staging_ledger, staging_complaints, audit_rejected_rows, audit_source_files]
