"""The simulation's running state per account, and the FIFO ageing of metrics.md on it.

Dues are kept in a small ring per account (due_on and cumulative due amount D_k, oldest first), credits
as one running total C = payments - reversals. Ageing at a month end d is then exactly metrics.md's rule:
the first due k with D_k - C > tolerance is the oldest unpaid one; dpd = d - due_on_k if due_on_k < d.
Dues older than the ring are settled by construction: an account owing them would be past 240 DPD and
has been charged off long before.
"""

from __future__ import annotations

import numpy as np

from . import model as M

EMPTY_CUM = -(1 << 60)


class Book:
    def __init__(self, n: int):
        self.status = np.zeros(n, dtype=np.int8)
        self.bal = np.zeros(n, dtype=np.int64)  # on-book balance, cents
        self.credits = np.zeros(n, dtype=np.int64)  # C: payments - reversals
        self.dues = np.zeros(n, dtype=np.int64)  # D: all dues posted
        self.ring_on = np.full((n, M.RING), -1, dtype=np.int64)
        self.ring_cum = np.full((n, M.RING), EMPTY_CUM, dtype=np.int64)
        self.last_due_amt = np.zeros(n, dtype=np.int64)
        self.last_due_on = np.full(n, -1, dtype=np.int64)
        self.prev_due_amt = np.zeros(n, dtype=np.int64)
        self.prev_due_on = np.full(n, -1, dtype=np.int64)
        self.dpd = np.zeros(n, dtype=np.int64)  # at the previous month end
        self.revolved = np.zeros(n, dtype=bool)  # revolving: carried a balance into this month
        self.closed_on = np.full(n, -1, dtype=np.int64)
        self.hardship = np.zeros(n, dtype=np.int8)
        self.hardship_month = np.full(n, -1, dtype=np.int32)
        self.co_amt = np.zeros(n, dtype=np.int64)
        self.recovered = np.zeros(n, dtype=np.int64)
        self.term_month = np.full(n, -1, dtype=np.int32)  # month index the account became terminal

    # ------------------------------------------------------------------ dues
    def post_dues(self, idx: np.ndarray, amount: np.ndarray, due_on: np.ndarray) -> None:
        """Record dues (one per account in idx, all later than the account's earlier dues)."""
        if idx.size == 0:
            return
        d = self.dues[idx] + amount
        self.dues[idx] = d
        on = self.ring_on[idx]
        cum = self.ring_cum[idx]
        on[:, :-1] = on[:, 1:]
        cum[:, :-1] = cum[:, 1:]
        on[:, -1] = due_on
        cum[:, -1] = d
        self.ring_on[idx] = on
        self.ring_cum[idx] = cum
        self.prev_due_amt[idx] = self.last_due_amt[idx]
        self.prev_due_on[idx] = self.last_due_on[idx]
        self.last_due_amt[idx] = amount
        self.last_due_on[idx] = due_on

    def unpaid(self, idx: np.ndarray) -> np.ndarray:
        """max(0, D - C): dues posted and not yet covered (including those not yet past due)."""
        return np.maximum(self.dues[idx] - self.credits[idx], 0)

    def required_by(self, idx: np.ndarray, d: int) -> np.ndarray:
        """What must be paid for every due with due_on <= d to be covered."""
        pending = np.where(self.last_due_on[idx] > d, self.last_due_amt[idx], 0)
        return np.maximum(self.dues[idx] - pending - self.credits[idx], 0)

    def one_due(self, idx: np.ndarray, d: int) -> np.ndarray:
        """The latest due with due_on <= d (the statement minimum / instalment the customer sees)."""
        return np.where(self.last_due_on[idx] > d, self.prev_due_amt[idx], self.last_due_amt[idx])

    def due_on_by(self, idx: np.ndarray, d: int) -> np.ndarray:
        """due_on of the due one_due() returns (-1 if none)."""
        return np.where(self.last_due_on[idx] > d, self.prev_due_on[idx], self.last_due_on[idx])

    def fifo_dpd(self, idx: np.ndarray, d: int, tol: int = M.DPD_TOLERANCE_CENTS) -> np.ndarray:
        if idx.size == 0:
            return np.zeros(0, dtype=np.int64)
        cum = self.ring_cum[idx]
        exceed = cum - self.credits[idx][:, None] > tol
        first = exceed.argmax(axis=1)
        on = np.take_along_axis(self.ring_on[idx], first[:, None], axis=1)[:, 0]
        return np.where(exceed.any(axis=1) & (on < d), d - on, 0)


def bucket_of(dpd: np.ndarray) -> np.ndarray:
    """0 current, 1: 1-29, 2: 30-59, 3: 60-89, 4: 90-119, 5: 120-149, 6: 150-179, 7: 180+."""
    return np.where(dpd <= 0, 0, np.minimum(1 + dpd // 30, 7))
