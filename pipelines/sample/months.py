"""The window of file months: first day, length and month end of each, as int days since 1970-01-01."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MonthGrid:
    labels: tuple[str, ...]  # "YYYY-MM"
    start: np.ndarray  # int64 days, first day of each month
    length: np.ndarray  # int64 days in each month
    month_of_year: np.ndarray  # 1..12

    def __len__(self) -> int:
        return len(self.labels)

    def end(self, i: int) -> int:
        return int(self.start[i] + self.length[i] - 1)

    def yyyymm(self, i: int) -> int:
        y, m = self.labels[i].split("-")
        return int(y) * 100 + int(m)


def month_grid(end_month: str, months: int) -> MonthGrid:
    if not re.fullmatch(r"\d{4}-\d{2}", end_month or ""):
        raise ValueError(f"end_month must look like YYYY-MM, got {end_month!r}")
    if months < 1:
        raise ValueError(f"months must be >= 1, got {months}")
    last = np.datetime64(end_month, "M")
    ms = np.arange(last - (months - 1), last + 1, dtype="datetime64[M]")
    start = ms.astype("datetime64[D]").astype(np.int64)
    nxt = (ms + 1).astype("datetime64[D]").astype(np.int64)
    labels = tuple(str(m) for m in ms)
    moy = (ms.astype(np.int64) % 12) + 1
    return MonthGrid(labels, start, nxt - start, moy)


def month_start_before(first_start: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First day and length of the month k months before the month starting at `first_start` (k >= 1)."""
    m0 = np.datetime64(int(first_start), "D").astype("datetime64[M]")
    ms = m0 - k.astype("timedelta64[M]")
    start = ms.astype("datetime64[D]").astype(np.int64)
    nxt = (ms + 1).astype("datetime64[D]").astype(np.int64)
    return start, nxt - start
