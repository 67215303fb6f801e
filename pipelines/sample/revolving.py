"""Revolving (card) accounts: opening balance, monthly statement (interest, fees, minimum due), purchases.

Statement on a fixed day s (1..27) each month: interest on the balance carried in (when the account
revolved), late fee when it was past due at the previous month end, annual fee in the anniversary month,
occasional cash-advance / foreign-transaction fee, then the minimum due max(floor, 3 % of the statement
balance) with due_on = s + 25 days (often in the next month). The due never exceeds what is owed beyond
the dues still unpaid, so on-book balance >= unpaid dues always holds.
"""

from __future__ import annotations

import numpy as np

from . import model as M
from .context import MonthCtx, pct
from .population import STYLE_TRANSACTOR

MIN_DUE_RATE = 0.03


def _portfolio_cents(ctx: MonthCtx, idx: np.ndarray, attr: str) -> np.ndarray:
    return np.array([getattr(p, attr) for p in M.PORTFOLIOS], dtype=np.int64)[ctx.pop.portfolio[idx]]


def min_due(ctx: MonthCtx, idx: np.ndarray, balance: np.ndarray) -> np.ndarray:
    floor = _portfolio_cents(ctx, idx, "min_due_floor")
    return np.maximum(floor, pct(balance, MIN_DUE_RATE))


def open_pre_existing(ctx: MonthCtx, idx: np.ndarray) -> None:
    """First file month: the balance the card already carried, as one purchase on day 1."""
    amt = ctx.pop.opening_balance[idx]
    m = amt > 0
    ctx.post(M.PURCHASE, idx[m], 1, amt[m], debit=True)


def migrated_dues(ctx: MonthCtx, idx: np.ndarray, month_start_before) -> None:
    """First file month: the last statement's minimum (when not yet due) and any arrears, posted day 1."""
    pop, book = ctx.pop, ctx.book
    k = pop.arrears[idx].astype(np.int64)
    s = pop.stmt_day[idx]
    last_on = month_start_before(ctx.ms, np.ones(idx.size, dtype=np.int64))[0] + s - 1 + M.STATEMENT_TO_DUE_DAYS
    shift = (last_on >= ctx.ms).astype(np.int64)  # the last statement is still current
    for j in range(5, 0, -1):  # oldest first
        start_j = month_start_before(ctx.ms, np.full(idx.size, j, dtype=np.int64))[0]
        on = start_j + s - 1 + M.STATEMENT_TO_DUE_DAYS
        rank = j - shift  # 1 = the most recent past-due statement
        take = np.where(on >= ctx.ms, True, (rank >= 1) & (rank <= k))
        sel = idx[take]
        amt = np.minimum(min_due(ctx, sel, pop.opening_balance[sel]), ctx.headroom(sel))
        ok = amt > 0
        sel, amt, on_sel = sel[ok], amt[ok], on[take][ok]
        ctx.entries.add(M.DUE, sel, 1, amt, due_on=on_sel)
        book.post_dues(sel, amt, on_sel)


def statement(ctx: MonthCtx, idx: np.ndarray) -> None:
    """Statement items for open cards that opened before this month."""
    pop, book, rng = ctx.pop, ctx.book, ctx.rng
    s = pop.stmt_day[idx]
    carry = ctx.carry[idx]

    m = book.revolved[idx] & (carry > 0)
    interest = np.where(m, pct(carry, pop.apr[idx] / 12.0), 0)
    m &= interest > 0
    ctx.post(M.INTEREST, idx[m], s[m], interest[m], debit=True)
    charged_interest = idx[m]

    late = (book.dpd[idx] > 0) & (rng.random(idx.size) < M.LATE_FEE_RATE)
    late_fee = _portfolio_cents(ctx, idx, "late_fee")
    ctx.post(M.FEE, idx[late], s[late], late_fee[late], debit=True)

    opened = pop.opened_on[idx]
    anniversary = (pop.annual_fee[idx] & (ctx.grid.month_of_year[ctx.mi] == _month_of_year(opened))
                   & (opened < ctx.ms - 300))
    annual = _portfolio_cents(ctx, idx, "annual_fee")
    ctx.post(M.FEE, idx[anniversary], s[anniversary], annual[anniversary], debit=True)

    misc = rng.random(idx.size) < M.MISC_FEE_RATE
    misc_amt = np.rint(ctx.rand_between(2.0, 30.0, int(misc.sum())) * 100).astype(np.int64)
    ctx.post(M.FEE, idx[misc], s[misc], misc_amt, debit=True)

    # goodwill: some late fees and some interest waived a few days after the statement
    waive_fee = idx[late & (rng.random(idx.size) < M.LATE_FEE_WAIVER_RATE)]
    _waive(ctx, waive_fee, _portfolio_cents(ctx, waive_fee, "late_fee"))
    waive_int = charged_interest[rng.random(charged_interest.size) < M.INTEREST_WAIVER_RATE]
    _waive(ctx, waive_int, pct(ctx.carry[waive_int], pop.apr[waive_int] / 12.0))

    # minimum due on the statement balance
    bal = book.bal[idx]
    amt = np.minimum(min_due(ctx, idx, bal), ctx.headroom(idx))
    ok = (amt > 0) & (bal > 0)
    sel = idx[ok]
    on = ctx.ms + s[ok] - 1 + M.STATEMENT_TO_DUE_DAYS
    ctx.entries.add(M.DUE, sel, s[ok], amt[ok], due_on=on)
    book.post_dues(sel, amt[ok], on)


def _waive(ctx: MonthCtx, idx: np.ndarray, amount: np.ndarray) -> None:
    amt = np.minimum(amount, ctx.headroom(idx))
    ok = amt > 0
    idx, amt = idx[ok], amt[ok]
    day = np.minimum(ctx.pop.stmt_day[idx] + ctx.rand_days(np.ones(idx.size, dtype=np.int64), 5), ctx.ml - 1)
    ctx.post(M.WAIVER, idx, day, amt, debit=False)


def _month_of_year(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1


def purchases(ctx: MonthCtx, idx: np.ndarray) -> None:
    """Card spend, up to the available credit, in one or two entries; a few disputed."""
    pop, book, rng = ctx.pop, ctx.book, ctx.rng
    trans = pop.style[idx] == STYLE_TRANSACTOR
    p = np.where(trans, M.PURCHASE_PROB["transactor"], M.PURCHASE_PROB["revolver"])
    p = np.where(book.dpd[idx] > 0, p * 0.5, p)
    share = np.where(trans, M.PURCHASE_SHARE_OF_LIMIT["transactor"], M.PURCHASE_SHARE_OF_LIMIT["revolver"])
    sigma = 0.8
    spend = pop.credit_limit[idx] * share * np.exp(sigma * rng.standard_normal(idx.size) - sigma**2 / 2)
    avail = pop.credit_limit[idx] - book.bal[idx]
    amt = np.minimum(np.rint(spend).astype(np.int64), avail)
    lo = ctx.opened_day(idx)
    buy = (rng.random(idx.size) < p) & (amt >= 100) & (lo <= ctx.ml - 1)
    idx, amt, lo = idx[buy], amt[buy], lo[buy]
    two = rng.random(idx.size) < 0.5
    first = np.where(two, pct(amt, ctx.rand_between(0.3, 0.7, idx.size)), amt)
    day1 = ctx.rand_days(lo, np.full(idx.size, ctx.ml - 1))
    ctx.post(M.PURCHASE, idx, day1, first, debit=True)
    sel = two
    ctx.post(M.PURCHASE, idx[sel], ctx.rand_days(lo[sel], np.full(int(sel.sum()), ctx.ml - 1)),
             amt[sel] - first[sel], debit=True)

    disputed = rng.random(idx.size) < M.DISPUTE_RATE
    d_idx = idx[disputed]
    credit = np.minimum(pct(first[disputed], ctx.rand_between(0.2, 1.0, d_idx.size)), ctx.headroom(d_idx))
    ok = credit > 0
    day = np.minimum(day1[disputed][ok] + ctx.rand_days(np.ones(int(ok.sum()), dtype=np.int64), 10), ctx.ml - 1)
    ctx.post(M.CREDIT_ADJUSTMENT, d_idx[ok], day, credit[ok], debit=False)
