"""Dagster assets of the marts layer: marts.account_month and every metric aggregated from it."""

from __future__ import annotations

from ..intermediate.account_month import build_account_month
from ..intermediate.ledger_flows import build_ledger_flows
from ..meta import warehouse_asset
from .aging import build_aging
from .charge_offs import build_charge_offs
from .complaints import build_complaint_metrics, build_complaints_by_bucket
from .cure_rates import build_cure_rates
from .delinquency_rates import build_delinquency_rates
from .roll_forward import build_roll_forward
from .roll_rates import build_roll_rates

account_month = warehouse_asset(
    table="marts.account_month", deps=["staging.accounts", "staging.ledger"], group="marts",
    build=lambda con, wh, log: build_account_month(con, wh.dpd_tolerance),
    description=build_account_month.__doc__, code_version="1",
)


def _mart(table: str, build, deps=("marts.account_month",)):
    return warehouse_asset(table=table, deps=list(deps), group="marts",
                           build=lambda con, wh, log: build(con), description=build.__doc__)


aging = _mart("marts.aging", build_aging)
roll_rates = _mart("marts.roll_rates", build_roll_rates)
cure_rates = _mart("marts.cure_rates", build_cure_rates)
delinquency_rates = _mart("marts.delinquency_rates", build_delinquency_rates)
ledger_flows = warehouse_asset(
    table="intermediate.ledger_flows", deps=["staging.accounts", "staging.ledger"], group="intermediate",
    build=lambda con, wh, log: build_ledger_flows(con), description=build_ledger_flows.__doc__,
)
charge_offs = _mart("marts.charge_offs", build_charge_offs, ("marts.account_month", "intermediate.ledger_flows"))
roll_forward = _mart("marts.roll_forward", build_roll_forward, ("marts.account_month", "intermediate.ledger_flows"))
complaint_metrics = _mart("marts.complaint_metrics", build_complaint_metrics,
                          ("marts.account_month", "staging.complaints"))
complaints_by_bucket = _mart("marts.complaints_by_bucket", build_complaints_by_bucket,
                             ("marts.account_month", "staging.complaints"))

ASSETS = [account_month, ledger_flows, aging, roll_rates, cure_rates, delinquency_rates, charge_offs, roll_forward,
          complaint_metrics, complaints_by_bucket]
