"""Run configuration, read from the environment with defaults that make `make demo` work unset.

| variable                | default                  | meaning                                         |
|-------------------------|--------------------------|-------------------------------------------------|
| ARREARS_LANDING         | data/landing             | folder of the lender's exports (data-contract)  |
| ARREARS_WAREHOUSE       | data/warehouse.duckdb    | the DuckDB warehouse file                       |
| ARREARS_REPORTS         | data/reports             | where dashboards are written                    |
| ARREARS_DPD_TOLERANCE   | 5.00                     | shortfall ignored when ageing (currency units)  |
| ARREARS_MEMORY_LIMIT    | 6GB                      | DuckDB memory limit                             |
| ARREARS_THREADS         | (all cores)              | DuckDB threads                                  |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Settings:
    landing: str = "data/landing"
    warehouse: str = "data/warehouse.duckdb"
    reports: str = "data/reports"
    dpd_tolerance: str = "5.00"
    memory_limit: str = "6GB"
    threads: int = 0  # 0 = DuckDB's default (all cores)

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
        try:
            value = Decimal(str(self.dpd_tolerance))
        except InvalidOperation:
            raise ValueError(f"dpd_tolerance must be a decimal amount, got {self.dpd_tolerance!r}") from None
        if value < 0:
            raise ValueError(f"dpd_tolerance must be >= 0, got {value}")
        return value.quantize(Decimal("0.01"))


def warehouse_name_problem(path: str) -> str | None:
    """DuckDB names a database after its file, so a warehouse called raw.duckdb (or staging, marts,
    intermediate, audit) would make every reference to that schema ambiguous."""
    from .resources import SCHEMAS

    stem = os.path.splitext(os.path.basename(path))[0].lower()
    if path != ":memory:" and stem in SCHEMAS:
        return (f"warehouse file {path!r}: a DuckDB file named after one of the warehouse's schemas "
                f"({', '.join(SCHEMAS)}) makes that schema's name ambiguous; choose another name, "
                "e.g. warehouse.duckdb")
    return None
