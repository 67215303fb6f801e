"""Installment (closed-end) loans: disbursement, monthly bill (interest, late fee, instalment due).

The instalment is the level annuity payment for the loan's principal, APR and term. Each month, on the
bill day (14 days before the due day, not before the 1st): interest on the balance, a late fee when
the loan was past due at the previous month end, and a `due` of min(instalment, balance - unpaid dues)
with due_on on the loan's due day (29-31 clamped to the month end, so Feb 29 in leap years). Once every
cent of the balance has been billed no further dues are posted; the loan closes when it is paid to 0.00.
"""

from __future__ import annotations

import numpy as np

from . import model as M
from .context import MonthCtx, pct


def due_day(ctx: MonthCtx, idx: np.ndarray) -> np.ndarray:
    return np.minimum(ctx.pop.due_day[idx], ctx.ml)


def bill_day(ctx: MonthCtx, idx: np.ndarray) -> np.ndarray:
    return np.maximum(due_day(ctx, idx) - M.BILL_LEAD_DAYS, 1)


def open_new(ctx: MonthCtx, idx: np.ndarray) -> None:
    """Loans opened this month: the principal is disbursed on the opening day."""
    ctx.post(M.DISBURSEMENT, idx, ctx.opened_day(idx), ctx.pop.principal[idx], debit=True)


def open_pre_existing(ctx: MonthCtx, idx: np.ndarray) -> None:
    """First file month: the balance still outstanding on an older loan, as a disbursement on day 1."""
    amt = ctx.pop.opening_balance[idx]
    ctx.post(M.DISBURSEMENT, idx, 1, amt, debit=True)


def migrated_dues(ctx: MonthCtx, idx: np.ndarray, month_start_before) -> None:
    """First file month: instalments already past due when the window opens, posted day 1."""
    pop, book = ctx.pop, ctx.book
    k = pop.arrears[idx].astype(np.int64)
    for j in range(3, 0, -1):  # oldest first
        sel = idx[k >= j]
        start_j, len_j = month_start_before(ctx.ms, np.full(sel.size, j, dtype=np.int64))
        on = start_j + np.minimum(pop.due_day[sel], len_j) - 1
        amt = np.minimum(pop.instalment[sel], ctx.headroom(sel))
        ok = amt > 0
        ctx.entries.add(M.DUE, sel[ok], 1, amt[ok], due_on=on[ok])
        book.post_dues(sel[ok], amt[ok], on[ok])


def bill(ctx: MonthCtx, idx: np.ndarray) -> None:
    """Monthly bill for open loans that opened before this month and still owe something."""
    pop, book, rng = ctx.pop, ctx.book, ctx.rng
    day = bill_day(ctx, idx)

    interest = pct(book.bal[idx], pop.apr[idx] / 12.0)
    m = interest > 0
    ctx.post(M.INTEREST, idx[m], day[m], interest[m], debit=True)

    late = (book.dpd[idx] > 0) & (rng.random(idx.size) < M.INSTALLMENT_LATE_FEE_RATE)
    cap = np.array([p.late_fee for p in M.PORTFOLIOS], dtype=np.int64)[pop.portfolio[idx]]
    fee = np.clip(pct(pop.instalment[idx], 0.05), 1500, cap)
    ctx.post(M.FEE, idx[late], day[late], fee[late], debit=True)

    adj = rng.random(idx.size) < M.INSTALLMENT_ADJUSTMENT_RATE
    a_idx = idx[adj]
    credit = np.minimum(pct(interest[adj], ctx.rand_between(0.1, 1.0, a_idx.size)), ctx.headroom(a_idx))
    ok = credit > 0
    ctx.post(M.CREDIT_ADJUSTMENT, a_idx[ok], day[adj][ok], credit[ok], debit=False)

    amt = np.minimum(pop.instalment[idx], ctx.headroom(idx))
    ok = amt > 0
    sel = idx[ok]
    on = ctx.ms + due_day(ctx, sel) - 1
    ctx.entries.add(M.DUE, sel, day[ok], amt[ok], due_on=on)
    book.post_dues(sel, amt[ok], on)
