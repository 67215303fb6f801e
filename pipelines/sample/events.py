"""Account events: hardship flags, card closures, fraud write-back, month-end charge-off, recoveries."""

from __future__ import annotations

import numpy as np

from . import model as M
from .context import MonthCtx, pct


def flag_hardship(ctx: MonthCtx, idx: np.ndarray) -> np.ndarray:
    """New bankrupt / deceased / fraud flags among open accounts without one; returns the fraud mask."""
    pop, book = ctx.pop, ctx.book
    cand = book.hardship[idx] == M.H_NONE
    mult = np.array(M.HARDSHIP_RISK_MULT)[pop.risk[idx]]
    rev = pop.product[idx] == M.REVOLVING
    p_b = M.HARDSHIP_MONTHLY[M.H_BANKRUPT] * mult
    p_d = p_b + M.HARDSHIP_MONTHLY[M.H_DECEASED]
    p_f = p_d + M.HARDSHIP_MONTHLY[M.H_FRAUD] * np.where(rev, 3.0, 0.5)
    u = ctx.rng.random(idx.size)
    code = np.where(u < p_b, M.H_BANKRUPT, np.where(u < p_d, M.H_DECEASED, np.where(u < p_f, M.H_FRAUD, M.H_NONE)))
    code = np.where(cand, code, M.H_NONE)
    new = code != M.H_NONE
    book.hardship[idx[new]] = code[new]
    book.hardship_month[idx[new]] = ctx.mi
    return code == M.H_FRAUD


def card_closures(ctx: MonthCtx, idx: np.ndarray, fraud: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cards closed this month: (closing = closed and paid off now, blocked = closed but still owing).
    Both are masks over idx; neither takes new purchases."""
    pop, book, rng = ctx.pop, ctx.book, ctx.rng
    n = idx.size
    ok = ((pop.product[idx] == M.REVOLVING) & (book.closed_on[idx] < 0) & (book.dpd[idx] == 0)
          & (book.hardship[idx] == M.H_NONE) & ~fraud
          & (book.dues[idx] - book.credits[idx] <= M.DPD_TOLERANCE_CENTS))
    u = rng.random(n)
    closing = ok & (u < M.VOLUNTARY_CLOSE_RATE)
    blocked = ok & ~closing & (book.bal[idx] > 0) & (u < M.VOLUNTARY_CLOSE_RATE + M.CLOSE_WITH_BALANCE_RATE)
    b_idx = idx[blocked]
    book.closed_on[b_idx] = ctx.ms + ctx.rand_days(np.ones(b_idx.size, dtype=np.int64), np.full(b_idx.size, ctx.ml - 1)) - 1
    return closing, blocked


def fraud_close(ctx: MonthCtx, idx: np.ndarray) -> None:
    """Confirmed fraud: the balance is credited back in full and the account closed."""
    book = ctx.book
    day = ctx.closing_day(idx)
    amt = book.bal[idx]
    m = amt > 0
    ctx.post(M.CREDIT_ADJUSTMENT, idx[m], day[m], amt[m], debit=False)
    book.closed_on[idx] = ctx.ms + day - 1


def month_end(ctx: MonthCtx, idx: np.ndarray) -> None:
    """Status at the month end for accounts open during the month: closed, charged off or still open
    (with the FIFO DPD the next month's behaviour starts from)."""
    pop, book = ctx.pop, ctx.book
    d = ctx.d
    # a loan paid to zero without a payoff date (only through a credit) is closed at the month end
    stray = (pop.product[idx] == M.INSTALLMENT) & (book.bal[idx] == 0) & (book.closed_on[idx] < 0)
    book.closed_on[idx[stray]] = d
    closed = (book.closed_on[idx] >= 0) & (book.bal[idx] == 0)
    _terminal(ctx, idx[closed], M.CLOSED)
    idx = idx[~closed]

    dpd = ctx.book.fifo_dpd(idx, d)
    threshold = np.where(pop.product[idx] == M.REVOLVING, M.CHARGE_OFF_DPD[M.REVOLVING], M.CHARGE_OFF_DPD[M.INSTALLMENT])
    hm = book.hardship_month[idx]
    h = book.hardship[idx]
    notified = (((h == M.H_BANKRUPT) & (hm >= 0) & (hm <= ctx.mi - M.BANKRUPT_CO_LAG))
                | ((h == M.H_DECEASED) & (hm >= 0) & (hm <= ctx.mi - M.DECEASED_CO_LAG)))
    co = (dpd >= threshold) | notified
    bal = book.bal[idx]
    if np.any(co & (dpd >= threshold) & (bal <= 0)):
        raise AssertionError("an account past its charge-off threshold has no balance to write off")
    write_off = co & (bal > 0)
    w_idx = idx[write_off]
    book.co_amt[w_idx] = bal[write_off]
    ctx.post(M.CHARGE_OFF, w_idx, ctx.ml, bal[write_off], debit=False)
    _terminal(ctx, w_idx, M.CHARGED_OFF)
    nothing_owed = idx[co & (bal <= 0)]
    book.closed_on[nothing_owed] = d
    _terminal(ctx, nothing_owed, M.CLOSED)
    still = ~co
    book.dpd[idx[still]] = dpd[still]


def _terminal(ctx: MonthCtx, idx: np.ndarray, status: int) -> None:
    ctx.book.status[idx] = status
    ctx.book.term_month[idx] = ctx.mi
    ctx.book.dpd[idx] = 0


def recoveries(ctx: MonthCtx) -> None:
    """Money collected on charged-off accounts (off-book), in the months after the charge-off."""
    book, rng = ctx.book, ctx.rng
    tm = book.term_month
    cap = pct(book.co_amt, M.RECOVERY_CAP)
    idx = np.flatnonzero((book.status == M.CHARGED_OFF) & (tm < ctx.mi) & (tm >= ctx.mi - M.RECOVERY_HORIZON_MONTHS)
                         & (book.recovered < cap))
    idx = idx[rng.random(idx.size) < M.RECOVERY_MONTHLY]
    amt = np.minimum(pct(book.co_amt[idx], ctx.rand_between(*M.RECOVERY_SHARE, idx.size)), cap[idx] - book.recovered[idx])
    ok = amt > 0
    idx, amt = idx[ok], amt[ok]
    day = ctx.rand_days(np.ones(idx.size, dtype=np.int64), np.full(idx.size, ctx.ml))
    ctx.entries.add(M.RECOVERY, idx, day, amt)
    book.recovered[idx] += amt
