"""Draw the accounts of a sample: who they are, when they open, their terms. No behaviour here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import model as M
from .months import MonthGrid, month_start_before

STYLE_MIN, STYLE_OVER, STYLE_TRANSACTOR = 0, 1, 2  # revolving payment habits

REGION_NAMES: tuple[str, ...] = tuple(r for r, _ in M.US_REGIONS) + tuple(r for r, _ in M.CA_REGIONS)


@dataclass
class Population:
    n: int
    portfolio: np.ndarray  # int8 index into model.PORTFOLIOS
    product: np.ndarray  # int8 REVOLVING / INSTALLMENT
    opened_on: np.ndarray  # int64 days
    open_month: np.ndarray  # int32 window month index the account first appears in (0 for pre-existing)
    pre_existing: np.ndarray  # bool
    risk: np.ndarray  # int8 0 prime, 1 near, 2 sub
    style: np.ndarray  # int8 revolving payment habit
    prepayer: np.ndarray  # bool, installment
    apr: np.ndarray  # float64
    credit_limit: np.ndarray  # int64 cents (revolving, else 0)
    principal: np.ndarray  # int64 cents (installment, else 0)
    instalment: np.ndarray  # int64 cents (installment, else 0)
    due_day: np.ndarray  # int64 installment due day of month 1..31 (clamped to month end)
    stmt_day: np.ndarray  # int64 revolving statement day 1..27
    annual_fee: np.ndarray  # bool
    region: np.ndarray  # int16 index into REGION_NAMES, -1 = missing
    opening_balance: np.ndarray  # int64 cents, pre-existing accounts
    arrears: np.ndarray  # int8 dues already behind when the window opens (pre-existing)


def _lognormal_clipped(rng, median, lo, hi, sigma, size, step):
    x = np.exp(np.log(median) + sigma * rng.standard_normal(size))
    return np.round(np.clip(x, lo, hi) / step) * step


def annuity_payment(principal_c: np.ndarray, rate: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Level monthly instalment in cents for principal (cents), monthly rate and term (months)."""
    return np.rint(principal_c * rate / (1.0 - (1.0 + rate) ** (-term.astype(np.float64)))).astype(np.int64)


def draw_population(rng: np.random.Generator, n: int, grid: MonthGrid) -> Population:
    if n < 1:
        raise ValueError(f"accounts must be >= 1, got {n}")
    ports = M.PORTFOLIOS
    first_start = int(grid.start[0])
    months = len(grid)

    portfolio = rng.choice(len(ports), size=n, p=np.array([p.share for p in ports]))
    product = np.array([p.product for p in ports], dtype=np.int8)[portfolio]
    pre = rng.random(n) < M.PRE_EXISTING_SHARE
    if months == 1:
        pre[:] = True
    rev = product == M.REVOLVING

    # ---- opening dates
    w = np.linspace(1.0, 1.5, months)
    open_month = np.where(pre, 0, rng.choice(months, size=n, p=w / w.sum())).astype(np.int32)
    opened = grid.start[open_month] + np.floor(rng.random(n) * grid.length[open_month]).astype(np.int64)

    # installment terms (needed for pre-existing ages)
    term = np.zeros(n, dtype=np.int64)
    for k, p in enumerate(ports):
        if p.product == M.INSTALLMENT:
            sel = portfolio == k
            term[sel] = rng.choice(np.array(p.terms), size=int(sel.sum()))
    age = np.where(term > 2, np.floor(rng.random(n) * np.maximum(term - 2, 1)).astype(np.int64) + 1, 1)
    inst_pre = pre & ~rev
    ms_b, ml_b = month_start_before(first_start, age)
    opened = np.where(inst_pre, ms_b + np.floor(rng.random(n) * ml_b).astype(np.int64), opened)
    rev_age_days = 60 + np.floor(rng.random(n) * (8 * 365 - 60)).astype(np.int64)
    opened = np.where(pre & rev, first_start - rev_age_days, opened)

    # ---- risk and habits
    risk = rng.choice(3, size=n, p=np.array(M.RISK_SHARES)).astype(np.int8)
    u = rng.random(n)
    trans = u < np.array(M.TRANSACTOR_SHARE)[risk]
    over = ~trans & (u < np.array(M.TRANSACTOR_SHARE)[risk] + np.array(M.OVERPAYER_SHARE)[risk])
    style = np.where(trans, STYLE_TRANSACTOR, np.where(over, STYLE_OVER, STYLE_MIN)).astype(np.int8)
    style[~rev] = STYLE_MIN
    prepayer = ~rev & (rng.random(n) < M.PREPAYER_SHARE)

    # ---- terms
    lo = np.array([p.apr[0] for p in ports])[portfolio]
    hi = np.array([p.apr[1] for p in ports])[portfolio]
    apr = np.round(lo + (hi - lo) * (0.15 + 0.35 * risk + 0.5 * rng.random(n)) / 1.35, 4)

    limit = np.zeros(n, dtype=np.int64)
    principal = np.zeros(n, dtype=np.int64)
    for k, p in enumerate(ports):
        sel = np.flatnonzero(portfolio == k)
        if p.product == M.REVOLVING:
            limit[sel] = (_lognormal_clipped(rng, p.limit_median, *p.limit_range, 0.7, sel.size, 100) * 100).astype(np.int64)
        else:
            principal[sel] = (_lognormal_clipped(rng, p.principal_median, *p.principal_range, 0.6, sel.size, 100) * 100).astype(np.int64)
    rate = apr / 12.0
    instalment = np.where(rev, 0, annuity_payment(principal, rate, np.maximum(term, 1)))

    month_end_due = rng.random(n) < M.INSTALLMENT_MONTH_END_DUE_SHARE
    due_day = np.where(month_end_due, 29 + np.floor(rng.random(n) * 3), 1 + np.floor(rng.random(n) * 28)).astype(np.int64)
    stmt_day = (1 + np.floor(rng.random(n) * 27)).astype(np.int64)
    annual_fee = rev & (rng.random(n) < M.ANNUAL_FEE_SHARE)

    # ---- regions
    region = np.full(n, -1, dtype=np.int16)
    offset = {id(M.US_REGIONS): 0, id(M.CA_REGIONS): len(M.US_REGIONS)}
    for k, p in enumerate(ports):
        sel = np.flatnonzero(portfolio == k)
        wts = np.array([x for _, x in p.regions], dtype=np.float64)
        region[sel] = offset[id(p.regions)] + rng.choice(len(wts), size=sel.size, p=wts / wts.sum())
    region[rng.random(n) < M.REGION_MISSING_SHARE] = -1

    # ---- opening balances of pre-existing accounts
    opening = np.zeros(n, dtype=np.int64)
    util = np.where(style == STYLE_TRANSACTOR, 0.15 * rng.random(n),
                    np.where(style == STYLE_OVER, 0.6 * rng.beta(2, 3, n), 0.85 * rng.beta(2, 2, n)))
    util[rng.random(n) < 0.05] = 0.0
    opening = np.where(rev, np.rint(limit * util), opening)
    g = (1.0 + rate) ** age
    remaining = principal * g - instalment * (g - 1.0) / rate
    opening = np.where(~rev, np.rint(np.maximum(remaining, 100.0)), opening).astype(np.int64)
    opening[~pre] = 0

    # ---- arrears already there when the window opens
    cum = np.cumsum(np.array([M.ARREARS_PROBS[r] for r in range(3)]), axis=1)[risk]
    arrears = (rng.random(n)[:, None] > cum).sum(axis=1).astype(np.int8)
    arrears[~pre | (style != STYLE_MIN)] = 0
    # an account cannot be behind on dues from before it opened
    cap = np.where(rev, rev_age_days // 31 - 1, np.minimum(3, age - 1))
    arrears = np.clip(arrears, 0, np.maximum(cap, 0))

    # ---- account numbers follow the opening order
    order = np.lexsort((rng.random(n), opened))
    pop = Population(
        n=n, portfolio=portfolio.astype(np.int8), product=product, opened_on=opened, open_month=open_month,
        pre_existing=pre, risk=risk, style=style, prepayer=prepayer, apr=apr, credit_limit=limit,
        principal=principal, instalment=instalment, due_day=due_day, stmt_day=stmt_day,
        annual_fee=annual_fee, region=region, opening_balance=opening, arrears=arrears.astype(np.int8),
    )
    for name, value in vars(pop).items():
        if isinstance(value, np.ndarray):
            setattr(pop, name, value[order])
    return pop
