"""Every warehouse table the pipeline builds from the raw layer, declared once: its name, its builder, the
tables it reads and its Dagster group.

Everything else is derived from this list: the Dagster assets (assets/warehouse_assets.py), the checks
of each table (checks/registry.py, keyed by the table's name: a GX suite `checks/<stage>/<schema>__<table>.json`
and the SQL invariants naming the table), the dependencies of the dashboards, and the check that
every mart has its checks and its page (pipelines/definitions.py, which refuses to load otherwise).

Adding a mart: its SQL module in assets/marts/ named after the table, its GX suite (and any invariant)
in checks/marts/, its page in dashboards/, and one `Table(...)` line below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assets.intermediate.account_segments import build_account_segments
from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.account_month import build_account_month
from assets.marts.aging import build_aging, build_aging_by_segment
from assets.marts.charge_offs import build_charge_offs, build_charge_offs_by_segment
from assets.marts.complaint_metrics import build_complaint_metrics
from assets.marts.complaints_by_bucket import build_complaints_by_bucket
from assets.marts.converted import BUILDERS as CONVERTED_BUILDERS
from assets.marts.converted import CONVERTED
from assets.marts.cure_rates import build_cure_rates, build_cure_rates_by_segment
from assets.marts.delinquency_rates import build_delinquency_rates, build_delinquency_rates_by_segment
from assets.marts.lifetime_loss_rates import build_lifetime_loss_rates
from assets.marts.loss_backtest import build_loss_backtest
from assets.marts.loss_projection import build_loss_projection
from assets.marts.quarterly_rates import build_quarterly_rates
from assets.marts.roll_forward import build_roll_forward
from assets.marts.roll_rate_averages import build_roll_rate_averages
from assets.marts.roll_rate_reserve import build_roll_rate_reserve
from assets.marts.roll_rates import build_roll_rates, build_roll_rates_by_segment
from assets.marts.vintage_curves import build_vintage_curves
from assets.staging.accounts import build_accounts
from assets.staging.audit import build_rejected_rows, build_source_files
from assets.staging.complaints import build_complaints
from assets.staging.fx_rates import build_fx_rates
from assets.staging.ledger import ENTRIES, build_ledger, ledger_view_sql


@dataclass(frozen=True)
class Table:
    """One warehouse table and how it is built.

    `build(con, **params)` replaces the table and returns its row count or a summary dict; `params` names
    the run settings it takes (`tolerance`: the DPD tolerance; `log`: a progress callback; `reread`:
    the run rebuilds everything, arrears run --rebuild; `reach`: which months of it other per-month tables
    read, `reach(name)` below, so that a builder that writes only a range of months can refuse a change
    outside it that a kept figure reads). `reads` are the
    tables it reads (its lineage). `side_tables` are further tables the same builder writes. A mart that
    is drawn on no page says why in `no_page`.

    A `per_month` table is partitioned by reporting month (assets/partitions.py): its builder also takes
    `months=(first, last)`, the month ends to (re)build, and replaces only those months' rows (None: all
    months). `months` says which months of a partitioned table it reads, as offsets from the month it
    builds: `("marts.account_month", (-1, 6))` reads m−1 … m+6; a partitioned table read and not listed
    is read at the same month (0, 0). A table that is not per month reads every month of what it reads."""

    name: str
    build: Callable[..., object]
    reads: tuple[str, ...]
    params: tuple[str, ...] = ()
    side_tables: tuple[str, ...] = ()
    no_page: str = ""
    per_month: bool = False
    months: tuple[tuple[str, tuple[int, int]], ...] = ()

    def month_offsets(self, read: str) -> tuple[int, int] | None:
        """Which months of `read` (a per-month table) one month of this table reads; None: all of them."""
        if not self.per_month:
            return None
        return dict(self.months).get(read, (0, 0))

    @property
    def schema(self) -> str:
        return self.name.split(".")[0]

    @property
    def group(self) -> str:
        return self.schema


ACCOUNT_MONTH = "marts.account_month"
SEGMENTS = "intermediate.account_segments"
# "Every earlier month" as a month offset: a figure of month m that reads every month up to m (a vintage's
# curve from its opening month on). 600 months (50 years) is further back than any reporting range.
EVERY_EARLIER_MONTH = (-600, 0)

TABLES: tuple[Table, ...] = (
    Table("staging.accounts", build_accounts, ("raw.accounts",), params=("reread", "log"),
          side_tables=("staging.account_versions", "staging.account_keys", "staging.accounts_rejected",
                       "staging.account_files")),
    Table("staging.ledger", build_ledger, ("raw.ledger", "staging.accounts"), params=("log", "reread"),
          side_tables=("staging.ledger_rejected", "staging.reporting_months", "staging.ledger_held",
                       "staging.ledger_closures", "staging.ledger_files", "staging.ledger_basis")),
    Table("staging.complaints", build_complaints, ("raw.complaints", "staging.accounts"),
          side_tables=("staging.complaint_versions", "staging.complaints_rejected", "staging.issue_crosswalk")),
    Table("staging.fx_rates", build_fx_rates, ("raw.fx",), params=("reporting_currency",),
          side_tables=("staging.fx_rejected",)),
    Table("audit.rejected_rows", build_rejected_rows, ("staging.accounts", "staging.ledger", "staging.complaints",
                                                       "staging.fx_rates")),
    Table("audit.source_files", build_source_files, ("audit.rejected_rows",)),
    Table(ACCOUNT_MONTH, build_account_month, ("staging.accounts", "staging.ledger"), params=("tolerance", "reach"),
          per_month=True,
          no_page="account-level rows (account ids): never drawn; every page reads the aggregates built from it"),
    Table("intermediate.ledger_flows", build_ledger_flows, ("staging.accounts", "staging.ledger"), per_month=True,
          params=("reach",)),
    Table("marts.aging", build_aging, (ACCOUNT_MONTH,), per_month=True),
    Table("marts.roll_rates", build_roll_rates, (ACCOUNT_MONTH,), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 0)),)),
    # cure_rate reads m−1 and m, cured_within_3m m … m+2, redefault_6m m+1 … m+6
    Table("marts.cure_rates", build_cure_rates, (ACCOUNT_MONTH,), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 6)),)),
    Table("marts.delinquency_rates", build_delinquency_rates, (ACCOUNT_MONTH,), per_month=True),
    Table("marts.charge_offs", build_charge_offs, (ACCOUNT_MONTH, "intermediate.ledger_flows"), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 0)),)),
    Table("marts.roll_forward", build_roll_forward, (ACCOUNT_MONTH, "intermediate.ledger_flows"), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 0)),)),
    # the quarter ending at m: the delinquency rates of m, the charge-offs and open balances of m−2 … m
    Table("marts.quarterly_rates", build_quarterly_rates, ("marts.delinquency_rates", "marts.charge_offs"),
          per_month=True, months=(("marts.delinquency_rates", (-2, 0)), ("marts.charge_offs", (-2, 0)))),
    # The segments of each account-month (as of its month end), and the five marts per segment: the same
    # SQL as the mart, grouped once more by segment (roll and cure rates by the segment at m−1).
    Table(SEGMENTS, build_account_segments, (ACCOUNT_MONTH, "staging.accounts", "staging.ledger"), per_month=True),
    Table("marts.aging_by_segment", build_aging_by_segment, (ACCOUNT_MONTH, SEGMENTS), per_month=True),
    Table("marts.roll_rates_by_segment", build_roll_rates_by_segment, (ACCOUNT_MONTH, SEGMENTS), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 0)), (SEGMENTS, (-1, 0)))),
    Table("marts.cure_rates_by_segment", build_cure_rates_by_segment, (ACCOUNT_MONTH, SEGMENTS), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 6)), (SEGMENTS, (-1, 6)))),
    Table("marts.delinquency_rates_by_segment", build_delinquency_rates_by_segment, (ACCOUNT_MONTH, SEGMENTS),
          per_month=True),
    Table("marts.charge_offs_by_segment", build_charge_offs_by_segment,
          (ACCOUNT_MONTH, SEGMENTS, "staging.accounts", "staging.ledger"), per_month=True,
          months=((ACCOUNT_MONTH, (-1, 0)), (SEGMENTS, (-1, 0)))),
    # A vintage's point at month m reads its accounts' months from the vintage's own month up to m.
    Table("marts.vintage_curves", build_vintage_curves,
          (ACCOUNT_MONTH, "staging.accounts", "staging.ledger"), per_month=True,
          months=((ACCOUNT_MONTH, EVERY_EARLIER_MONTH),)),
    # The roll-rate loss forecast (docs/spec/metrics.md, "Roll-rate loss forecast"): the matrices averaged
    # over the 3, 6 and 12 months up to m, each bucket's lifetime loss rates and the reserve, the 12-month
    # projection, and the projections of the 12 months before m against m's charge-offs.
    Table("marts.roll_rate_averages", build_roll_rate_averages, ("marts.roll_rates",), per_month=True,
          months=(("marts.roll_rates", (-11, 0)),)),
    Table("marts.lifetime_loss_rates", build_lifetime_loss_rates,
          ("marts.roll_rate_averages", "marts.aging", "marts.charge_offs"), per_month=True,
          months=(("marts.charge_offs", (-11, 0)),)),
    Table("marts.roll_rate_reserve", build_roll_rate_reserve, ("marts.lifetime_loss_rates",), per_month=True),
    Table("marts.loss_projection", build_loss_projection, ("marts.roll_rate_averages", "marts.aging"),
          per_month=True),
    Table("marts.loss_backtest", build_loss_backtest, ("marts.loss_projection", "marts.charge_offs"), per_month=True,
          months=(("marts.loss_projection", (-12, -1)),)),
    # The complaint figures are judged as of the latest reporting month end and read the latest version
    # of every complaint (a later version may answer or close a complaint of any earlier month): they
    # are rebuilt whole by every run, reading every month of marts.account_month.
    Table("marts.complaint_metrics", build_complaint_metrics, (ACCOUNT_MONTH, "staging.complaints")),
    Table("marts.complaints_by_bucket", build_complaints_by_bucket, (ACCOUNT_MONTH, "staging.complaints")),
    # The money marts converted into the reporting currency (assets/marts/converted.py), month m at m's rate.
    *(Table(name, CONVERTED_BUILDERS[name], (c.native, "staging.fx_rates"), params=("reporting_currency",),
            per_month=True)
      for name, c in CONVERTED.items()),
)
BY_NAME = {t.name: t for t in TABLES}
# How many months after m the figures of month m read (cure_rates: m+6), and before it (m−1): a month
# whose account-months change makes the per-month figures of these months around it change too.
LOOK_FORWARD = max((o[1] for t in TABLES for _, o in t.months), default=0)
LOOK_BACK = max((-o[0] for t in TABLES for _, o in t.months), default=0)


def reach(name: str) -> tuple[int, int]:
    """(before, after): the rows of month c of the per-month table `name` are read by the per-month
    figures of months c − before … c + after (marts.account_month: c − 6 … c + 1)."""
    offsets = [t.month_offsets(name) for t in TABLES if t.per_month and name in t.reads]
    return max((o[1] for o in offsets), default=0), max((-o[0] for o in offsets), default=0)
# The warehouse's views over one stored table with as many rows: (that table, the view's SELECT given
# a sample clause for the stored table). Rows are counted, and GX samples taken, on the stored table:
# counting or sampling the view itself would first compute its join over every row.
VIEWS = {"staging.ledger": (ENTRIES, ledger_view_sql)}
MARTS = tuple(t for t in TABLES if t.schema == "marts")
# What the dashboards are drawn from: every mart (the pages read the aggregated ones).
REPORTED = tuple(t.name for t in MARTS if t.name != ACCOUNT_MONTH)
