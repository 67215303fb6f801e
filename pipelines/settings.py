"""Run configuration, read from the environment with defaults that make `make demo` work unset.

| variable                | default                  | meaning                                         |
|-------------------------|--------------------------|-------------------------------------------------|
| ARREARS_LANDING         | data/landing             | folder of the lender's exports (data-contract)  |
| ARREARS_WAREHOUSE       | data/warehouse.duckdb    | the DuckDB warehouse file                       |
| ARREARS_REPORTS         | data/reports             | where dashboards are written                    |
| ARREARS_DPD_TOLERANCE   | 5.00                     | shortfall ignored when ageing (currency units)  |
| ARREARS_MEMORY_LIMIT    | 6GB                      | DuckDB memory limit                             |
| ARREARS_THREADS         | (all cores)              | DuckDB threads                                  |
| ARREARS_REJECT_SHARE    | 0.01                     | rejected share of an entity's rows that fails…  |
| ARREARS_REJECT_MIN_ROWS | 100                      | …the run, when at least this many rows          |
| ARREARS_WAIT_FOR_LOCK   | 0                        | seconds to wait for another run ("inf": no end) |
| ARREARS_STRICT          | off                      | 1/true: refuse unknown names in the landing     |
| ARREARS_REPORTING_CURRENCY | (none)               | ISO 4217 code of the converted marts; none: no conversion |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from assets.domain import DEFAULT_DPD_TOLERANCE, parse_tolerance
from assets.staging.rules import ISO4217_CODES
from assets.warehouse import warehouse_name_problem


@dataclass(frozen=True)
class Settings:
    landing: str = "data/landing"
    warehouse: str = "data/warehouse.duckdb"
    reports: str = "data/reports"
    dpd_tolerance: str = DEFAULT_DPD_TOLERANCE
    memory_limit: str = "6GB"
    threads: int = 0  # 0 = DuckDB's default (all cores)
    reject_share: float = 0.01
    reject_min_rows: int = 100
    wait_for_lock: float = 0.0
    strict: bool = False  # an unknown folder or file name in the landing folder is refused, not a warning
    # The currency of the converted marts (marts.*_converted), an ISO 4217 code; "" (the default): nothing
    # is converted and those tables are empty (docs/runs.md, "Reporting currency").
    reporting_currency: str = ""
    # Set only by `arrears close MONTH --restate` (never from the environment): the closed months the run
    # may change, who approves that and why.
    restate_months: str = ""
    restate_by: str = ""
    restate_note: str = ""

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        values = dict(
            landing=env.get("ARREARS_LANDING", cls.landing),
            warehouse=env.get("ARREARS_WAREHOUSE", cls.warehouse),
            reports=env.get("ARREARS_REPORTS", cls.reports),
            dpd_tolerance=env.get("ARREARS_DPD_TOLERANCE", cls.dpd_tolerance),
            memory_limit=env.get("ARREARS_MEMORY_LIMIT", cls.memory_limit),
            threads=int(env.get("ARREARS_THREADS", "0") or 0),
            reject_share=env.get("ARREARS_REJECT_SHARE", cls.reject_share),
            reject_min_rows=env.get("ARREARS_REJECT_MIN_ROWS", cls.reject_min_rows),
            wait_for_lock=env.get("ARREARS_WAIT_FOR_LOCK", cls.wait_for_lock),
            strict=env.get("ARREARS_STRICT", "").strip().lower() in ("1", "true", "yes", "on"),
            reporting_currency=env.get("ARREARS_REPORTING_CURRENCY", cls.reporting_currency),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["reject_share"] = _number("reject share (ARREARS_REJECT_SHARE)", values["reject_share"], float, 0, 1)
        values["reject_min_rows"] = _number("reject minimum rows (ARREARS_REJECT_MIN_ROWS)",
                                            values["reject_min_rows"], int, 0, None)
        values["wait_for_lock"] = _number("lock wait (ARREARS_WAIT_FOR_LOCK)", values["wait_for_lock"], float, 0,
                                          None)
        values["reporting_currency"] = _currency(values["reporting_currency"])
        settings = cls(**values)
        settings.tolerance  # validate early
        problem = warehouse_name_problem(settings.warehouse)
        if problem:
            raise ValueError(problem)
        return settings

    @property
    def tolerance(self) -> Decimal:
        return parse_tolerance(self.dpd_tolerance)


def _currency(value) -> str:
    """The reporting currency as an ISO 4217 code ("" for none), or ValueError naming the setting."""
    code = str(value or "").strip()
    if code and code not in ISO4217_CODES:
        hint = f" (did you mean {code.upper()}?)" if code.upper() in ISO4217_CODES else ""
        raise ValueError(f"reporting currency (--reporting-currency, ARREARS_REPORTING_CURRENCY) must be an ISO 4217 "
                         f"code, got {value!r}{hint}")
    return code


def _number(what: str, value, kind, lo, hi):
    """`value` as an int or float within [lo, hi] (hi None: no upper bound), or ValueError naming it."""
    try:
        x = kind(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if x != x or x < lo or (hi is not None and x > hi):
        raise ValueError(f"{what} must be between {lo} and {hi if hi is not None else 'no limit'}, got {value!r}")
    return x
