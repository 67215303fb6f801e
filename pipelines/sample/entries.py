"""Collect one month's ledger entries as column arrays, then sort them and number them.

Entries are added in vectorised batches (one array per column). `finish()` sorts by posting day, account,
entry type (the order in model.ENTRY_TYPES) and insertion order, then gives each entry its number:
entry key = YYYYMM * 10**9 + sequence, written as `E{YYYYMM}-{sequence:09d}` (unique across files).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import model as M

KEY_BASE = 10**9


@dataclass
class SortedEntries:
    acct: np.ndarray
    posted_on: np.ndarray  # int days
    etype: np.ndarray
    amount: np.ndarray  # cents
    due_on: np.ndarray  # int days, -1 = null
    reverses: np.ndarray  # entry key, -1 = null
    key: np.ndarray  # entry key of each sorted row
    key_of_pos: np.ndarray  # entry key by insertion position

    def __len__(self) -> int:
        return int(self.acct.size)


class MonthEntries:
    def __init__(self, n_accounts: int, month_start: int, month_len: int, yyyymm: int):
        self.month_start = month_start
        self.month_len = month_len
        self.yyyymm = yyyymm
        self.maxday = np.zeros(n_accounts, dtype=np.int64)  # last day used per account this month
        self._parts: list[tuple] = []
        self.count = 0

    def add(self, etype: int, acct: np.ndarray, day: np.ndarray, amount: np.ndarray,
            due_on: np.ndarray | None = None, ref_pos: np.ndarray | None = None,
            ref_key: np.ndarray | None = None) -> np.ndarray:
        """Add entries (amount > 0 is the caller's duty); returns their insertion positions."""
        acct = np.asarray(acct, dtype=np.int64)
        k = acct.size
        pos = np.arange(self.count, self.count + k, dtype=np.int64)
        if k == 0:
            return pos
        day = np.broadcast_to(np.asarray(day, dtype=np.int64), (k,))
        amount = np.broadcast_to(np.asarray(amount, dtype=np.int64), (k,))
        if np.any(amount <= 0) or np.any(day < 1) or np.any(day > self.month_len):
            raise AssertionError(f"bad {M.ENTRY_TYPES[etype]} entries (amount <= 0 or day outside month)")
        neg = np.full(k, -1, dtype=np.int64)
        self._parts.append((
            acct, day, np.full(k, etype, dtype=np.int64), amount,
            neg if due_on is None else np.asarray(due_on, dtype=np.int64),
            neg if ref_pos is None else np.asarray(ref_pos, dtype=np.int64),
            neg if ref_key is None else np.asarray(ref_key, dtype=np.int64),
        ))
        np.maximum.at(self.maxday, acct, day)
        self.count += k
        return pos

    def finish(self) -> SortedEntries:
        if self._parts:
            cols = [np.concatenate(c) for c in zip(*self._parts)]
        else:
            cols = [np.zeros(0, dtype=np.int64) for _ in range(7)]
        acct, day, etype, amount, due_on, ref_pos, ref_key = cols
        sort_key = (day * (1 << 31) + acct) * 16 + etype
        if acct.size >= KEY_BASE:
            raise ValueError(f"more than {KEY_BASE - 1} ledger entries in one month")
        order = np.argsort(sort_key, kind="stable")
        base = self.yyyymm * KEY_BASE
        key_of_pos = np.empty(order.size, dtype=np.int64)
        key_of_pos[order] = base + 1 + np.arange(order.size, dtype=np.int64)
        reverses = np.where(ref_pos >= 0, key_of_pos[np.maximum(ref_pos, 0)] if order.size else ref_pos, ref_key)
        return SortedEntries(
            acct=acct[order], posted_on=self.month_start + day[order] - 1, etype=etype[order],
            amount=amount[order], due_on=due_on[order], reverses=reverses[order],
            key=key_of_pos[order], key_of_pos=key_of_pos,
        )
