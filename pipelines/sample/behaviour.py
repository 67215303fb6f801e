"""Customer payments: which action each account takes this month, how much it pays, when, and NSF.

The action depends on the DPD bucket the account was in at the previous month end (measured with the
FIFO rule of metrics.md) and on its risk grade:
  FULL     pay everything due by the month end, or the habitual amount if that is more (cures)
  ONE      pay one due's worth (the oldest unpaid due is covered, the account stays in its bucket)
  PARTIAL  pay 20-80 % of one due
  MISS     pay nothing (rolls one bucket on)
Habitual amounts: card transactors pay the balance carried in, over-payers a multiple of the minimum,
min-payers the minimum; loans pay the instalment, prepayers sometimes extra, a few pay off early.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import installment
from . import model as M
from .book import bucket_of
from .context import MonthCtx, pct
from .population import STYLE_OVER, STYLE_TRANSACTOR

PARTIAL_MISS = [M.PARTIAL, M.MISS]
GOOD = [M.FULL, M.ONE]


@dataclass
class Pending:
    """Reversals to post next month: account, amount, day, insertion position of the payment."""
    acct: np.ndarray
    amount: np.ndarray
    day: np.ndarray
    pay_pos: np.ndarray
    pay_key: np.ndarray | None = None

    @classmethod
    def empty(cls) -> "Pending":
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z)


def choose_actions(ctx: MonthCtx, idx: np.ndarray) -> np.ndarray:
    pop, book = ctx.pop, ctx.book
    bucket = bucket_of(book.dpd[idx])
    probs = M.ACTION_PROBS[bucket].copy()
    risk = pop.risk[idx]
    cur = bucket == 0
    bad = probs[:, PARTIAL_MISS].sum(axis=1)
    mult = np.where(cur, np.array(M.BAD_MULTIPLIER["current"])[risk], np.array(M.BAD_MULTIPLIER["delinquent"])[risk])
    new_bad = np.minimum(bad * mult, 0.97)
    scale_bad = np.where(bad > 0, new_bad / np.maximum(bad, 1e-12), 0.0)
    scale_good = (1.0 - new_bad) / np.maximum(1.0 - bad, 1e-12)
    probs[:, PARTIAL_MISS] *= scale_bad[:, None]
    probs[:, GOOD] *= scale_good[:, None]
    cum = np.cumsum(probs, axis=1)
    action = (ctx.rng.random(idx.size)[:, None] > cum[:, :-1]).sum(axis=1)
    stopped = np.isin(book.hardship[idx], (M.H_BANKRUPT, M.H_DECEASED))
    return np.where(stopped, M.MISS, action)


def habitual(ctx: MonthCtx, idx: np.ndarray, one: np.ndarray) -> np.ndarray:
    """What the account pays when it pays in full (before capping at the balance)."""
    pop, book, rng = ctx.pop, ctx.book, ctx.rng
    n = idx.size
    rev = pop.product[idx] == M.REVOLVING
    style = pop.style[idx]
    bal = book.bal[idx]
    over = pct(one, ctx.rand_between(*M.OVERPAY_MULTIPLE, n))
    amt = np.where(style == STYLE_TRANSACTOR, ctx.carry[idx], np.where(style == STYLE_OVER, over, one))
    closed_card = rev & (book.closed_on[idx] >= 0)
    payoff = closed_card & (rng.random(n) < M.CLOSED_PAYOFF_RATE)

    extra = pop.prepayer[idx] & (rng.random(n) < M.PREPAY_MONTHLY)
    inst_amt = one + np.where(extra, pct(pop.instalment[idx], ctx.rand_between(*M.PREPAY_EXTRA, n)), 0)
    early = np.array([p.early_payoff for p in M.PORTFOLIOS])[pop.portfolio[idx]]
    payoff |= ~rev & (book.dpd[idx] == 0) & (rng.random(n) < early)
    amt = np.where(rev, amt, inst_amt)
    return np.where(payoff, bal, amt)


def payment_days(ctx: MonthCtx, idx: np.ndarray) -> np.ndarray:
    """Current payers pay around the due date of this month's due; delinquent ones any day."""
    pop, book = ctx.pop, ctx.book
    n = idx.size
    rev = pop.product[idx] == M.REVOLVING
    due_on = book.due_on_by(idx, ctx.d)
    rev_anchor = np.where(due_on >= ctx.ms, due_on - ctx.ms + 1, 0)
    anchor = np.where(rev, rev_anchor, installment.due_day(ctx, idx))
    u = ctx.rng.random(n)
    offset = np.where(u < 0.55, 0, np.where(u < 0.85, -ctx.rand_days(1, np.full(n, 7)), ctx.rand_days(1, np.full(n, 10))))
    lo = np.where(rev, 1, installment.bill_day(ctx, idx))
    near_due = np.clip(anchor + offset, lo, ctx.ml - 1)
    anyday = ctx.rand_days(np.ones(n, dtype=np.int64), np.full(n, ctx.ml - 1))
    return np.where((anchor > 0) & (book.dpd[idx] == 0), near_due, anyday)


def pay(ctx: MonthCtx, idx: np.ndarray, closing: np.ndarray) -> Pending:
    """Payments of open accounts that opened before this month. `closing` (bool over idx): cards closed
    and paid off this month. Returns the reversals that fall into next month."""
    pop, book, rng = ctx.pop, ctx.book, ctx.rng
    d = ctx.d
    req = book.required_by(idx, d)
    one = book.one_due(idx, d)
    action = choose_actions(ctx, idx)
    habit = habitual(ctx, idx, one)
    n = idx.size
    amt = np.select(
        [action == M.FULL, action == M.ONE, action == M.PARTIAL],
        [np.maximum(req, habit), one, pct(one, ctx.rand_between(0.2, 0.8, n))],
        0,
    )
    bal = book.bal[idx]
    amt = np.minimum(np.where(closing, bal, amt), bal)
    ok = amt > 0
    full_payoff = ok & (amt == bal)
    # a payment that clears a loan, or a card that is closed, ends the account: last entry of the month
    terminal = full_payoff & ((pop.product[idx] == M.INSTALLMENT) | (book.closed_on[idx] >= 0) | closing)

    day = payment_days(ctx, idx)
    day[terminal] = ctx.closing_day(idx[terminal])
    sel = idx[ok]
    pos = ctx.post(M.PAYMENT, sel, day[ok], amt[ok], debit=False)
    book.credits[sel] += amt[ok]

    t_idx = idx[terminal]
    book.closed_on[t_idx] = np.where(book.closed_on[t_idx] >= 0, book.closed_on[t_idx], ctx.ms + day[terminal] - 1)
    # a card closed with nothing to pay is closed on a quiet day
    quiet = closing & ~ok
    q_idx = idx[quiet]
    book.closed_on[q_idx] = ctx.ms + ctx.closing_day(q_idx) - 1

    paid = np.zeros(n, dtype=np.int64)
    paid[ok] = amt[ok]
    rev = pop.product[idx] == M.REVOLVING
    book.revolved[idx[rev]] = paid[rev] < ctx.carry[idx[rev]]
    return _nsf(ctx, sel, amt[ok], day[ok], pos, ~full_payoff[ok])


def _nsf(ctx: MonthCtx, idx, amt, day, pos, may_bounce) -> Pending:
    """Some payments bounce: reversed 1-7 days later, in this month or early next month."""
    rng, book = ctx.rng, ctx.book
    bounce = may_bounce & (rng.random(idx.size) < np.array(M.NSF_RATE)[ctx.pop.risk[idx]])
    idx, amt, day, pos = idx[bounce], amt[bounce], day[bounce], pos[bounce]
    rday = day + ctx.rand_days(np.full(idx.size, M.NSF_LAG_DAYS[0]), M.NSF_LAG_DAYS[1])
    same = rday <= ctx.ml - 1
    s_idx = idx[same]
    ctx.post(M.PAYMENT_REVERSAL, s_idx, rday[same], amt[same], debit=True, ref_pos=pos[same])
    book.credits[s_idx] -= amt[same]
    nxt = ~same
    return Pending(idx[nxt], amt[nxt], np.maximum(rday[nxt] - ctx.ml, 1), pos[nxt])


def post_pending(ctx: MonthCtx, pending: Pending) -> None:
    """Last month's bounced payments, for accounts still open."""
    keep = ctx.book.status[pending.acct] == M.OPEN
    idx = pending.acct[keep]
    amt = pending.amount[keep]
    ctx.post(M.PAYMENT_REVERSAL, idx, pending.day[keep], amt, debit=True, ref_key=pending.pay_key[keep])
    ctx.book.credits[idx] -= amt
