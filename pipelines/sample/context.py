"""What every step of one simulated month needs, and small vectorised helpers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .book import Book
from .entries import MonthEntries
from .months import MonthGrid
from .population import Population


@dataclass
class MonthCtx:
    rng: np.random.Generator
    pop: Population
    book: Book
    grid: MonthGrid
    mi: int  # month index in the window
    entries: MonthEntries
    carry: np.ndarray  # balance carried into the month (after opening entries), all accounts

    @property
    def ms(self) -> int:
        return int(self.grid.start[self.mi])

    @property
    def ml(self) -> int:
        return int(self.grid.length[self.mi])

    @property
    def d(self) -> int:
        return self.grid.end(self.mi)

    def rand_days(self, lo, hi) -> np.ndarray:
        """Uniform day of month in [lo, hi] (inclusive, arrays or scalars; hi >= lo)."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        size = max(lo.size, hi.size)
        return lo + np.floor(self.rng.random(size) * (hi - lo + 1)).astype(np.int64)

    def rand_between(self, lo: float, hi: float, size: int) -> np.ndarray:
        return lo + (hi - lo) * self.rng.random(size)

    def headroom(self, idx: np.ndarray) -> np.ndarray:
        """How much may be forgiven without the balance falling below the dues still unpaid."""
        b = self.book
        return np.maximum(b.bal[idx] - np.maximum(b.dues[idx] - b.credits[idx], 0), 0)

    def opened_day(self, idx: np.ndarray) -> np.ndarray:
        """Day of month the account opened if it opened this month, else 1."""
        return np.maximum(self.pop.opened_on[idx] - self.ms + 1, 1)

    def closing_day(self, idx: np.ndarray) -> np.ndarray:
        """A day after every other entry of the account this month (payoff, closure)."""
        planned = self.rand_days(np.ones(idx.size, dtype=np.int64), np.full(idx.size, self.ml - 1))
        return np.clip(np.maximum(planned, self.entries.maxday[idx] + 1), 1, self.ml)

    def post(self, etype: int, idx: np.ndarray, day, amount: np.ndarray, debit: bool, **kw) -> np.ndarray:
        """Add entries and move the on-book balance (debit +, credit -)."""
        pos = self.entries.add(etype, idx, day, amount, **kw)
        if idx.size:
            self.book.bal[idx] += amount if debit else -amount
        return pos


def pct(x: np.ndarray, rate) -> np.ndarray:
    """Cents amount x * rate, rounded to the cent."""
    return np.rint(x * rate).astype(np.int64)
