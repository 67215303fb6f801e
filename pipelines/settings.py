"""Run configuration, read from the environment with defaults that make `make demo` work unset.

| variable                | default                  | meaning                                         |
|-------------------------|--------------------------|-------------------------------------------------|
| ARREARS_LANDING         | data/landing             | folder of the lender's exports (data-contract)  |
| ARREARS_WAREHOUSE       | data/warehouse.duckdb    | the DuckDB warehouse file                       |
| ARREARS_REPORTS         | data/reports             | where dashboards are written                    |
| ARREARS_DPD_TOLERANCE   | 5.00                     | shortfall ignored when ageing (currency units)  |
| ARREARS_MEMORY_LIMIT    | 6GB                      | DuckDB memory limit                             |
| ARREARS_THREADS         | (all cores)              | DuckDB threads                                  |
| ARREARS_STRICT          | off                      | 1/true: refuse unknown names in the landing     |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from assets.domain import DEFAULT_DPD_TOLERANCE, parse_tolerance
from assets.warehouse import warehouse_name_problem


@dataclass(frozen=True)
class Settings:
    landing: str = "data/landing"
    warehouse: str = "data/warehouse.duckdb"
    reports: str = "data/reports"
    dpd_tolerance: str = DEFAULT_DPD_TOLERANCE
    memory_limit: str = "6GB"
    threads: int = 0  # 0 = DuckDB's default (all cores)
    strict: bool = False  # an unknown folder or file name in the landing folder is refused, not a warning

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
            strict=env.get("ARREARS_STRICT", "").strip().lower() in ("1", "true", "yes", "on"),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.tolerance  # validate early
        problem = warehouse_name_problem(settings.warehouse)
        if problem:
            raise ValueError(problem)
        return settings

    @property
    def tolerance(self) -> Decimal:
        return parse_tolerance(self.dpd_tolerance)
