"""The month loop: simulate every account one month at a time (vectorised) and write that month's files.

Only the running state of the accounts (a few arrays per account) and the complaints' lifecycles are
kept between months; each month's entries are written and dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from . import behaviour, events, installment, revolving
from . import model as M
from .book import Book, bucket_of
from .complaints import BUCKET_CHARGED_OFF, BUCKET_CLOSED, ComplaintBook
from .context import MonthCtx
from .entries import MonthEntries
from .months import month_grid, month_start_before
from .population import STYLE_TRANSACTOR, draw_population
from .writer import KINDS, account_ids, accounts_frame, check_format, complaints_frame, ledger_frame, write_frame


def write_sample(out_dir: str | Path, accounts: int, months: int, seed: int, fmt: str = "csv",
                 end_month: str = "2026-10", progress: Callable[[str], None] | None = None) -> dict:
    """Write a synthetic landing folder (accounts/, ledger/, complaints/) for `months` months ending at
    `end_month`, for `accounts` accounts in total (opened before or during the window). Same arguments,
    same bytes. Returns a summary: files written and row counts per kind."""
    check_format(fmt)
    if int(accounts) < 1:
        raise ValueError(f"accounts must be >= 1, got {accounts}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    grid = month_grid(end_month, int(months))
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    # complaints from a stream of their own (same seed): tuning their rates leaves accounts and ledger as they are
    crng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(M.COMPLAINT_STREAM,))))
    n = int(accounts)
    pop = draw_population(rng, n, grid)
    book = Book(n)
    ids = account_ids(n)
    cbook = ComplaintBook()
    pending = behaviour.Pending.empty()
    carry = np.zeros(n, dtype=np.int64)
    files: list[str] = []
    rows = {k: 0 for k in KINDS}

    for mi in range(len(grid)):
        ctx = MonthCtx(rng, pop, book, grid, mi, MonthEntries(n, int(grid.start[mi]), int(grid.length[mi]), grid.yyyymm(mi)), carry)
        act = _open_accounts(ctx)
        _complaints(ctx, cbook, crng)
        behaviour.post_pending(ctx, pending)
        pending = _simulate(ctx, act)
        events.recoveries(ctx)
        entries = ctx.entries.finish()
        pending.pay_key = entries.key_of_pos[pending.pay_pos]

        label = grid.labels[mi]
        frames = {
            "accounts": accounts_frame(act, pop, book.closed_on[act], book.hardship[act], ids),
            "ledger": ledger_frame(entries, ids),
            "complaints": complaints_frame(cbook.month_rows(ctx.ms, ctx.d), ids),
        }
        for kind, df in frames.items():
            path = write_frame(df, out, kind, label, fmt)
            files.append(path.relative_to(out).as_posix())
            rows[kind] += df.height
        if progress is not None:
            progress(f"{label}: {frames['accounts'].height} accounts, {frames['ledger'].height} ledger entries, "
                     f"{frames['complaints'].height} complaint rows")
        del frames, entries

    return {
        "out_dir": str(out), "fmt": fmt, "seed": int(seed), "accounts": n,
        "months": list(grid.labels), "files": files, "rows": rows,
    }


def _open_accounts(ctx: MonthCtx) -> np.ndarray:
    """Open this month's new accounts (and, in the first month, the pre-existing ones with their
    opening balance and arrears); returns the rows of this month's accounts file."""
    pop, book = ctx.pop, ctx.book
    new = np.flatnonzero((pop.open_month == ctx.mi) & (book.status == M.NOT_OPEN))
    book.status[new] = M.OPEN
    act = np.flatnonzero(book.status == M.OPEN)
    ctx.carry[act] = book.bal[act]
    pre = new[pop.pre_existing[new]]
    rev = pop.product == M.REVOLVING
    installment.open_new(ctx, new[~pop.pre_existing[new] & ~rev[new]])
    if pre.size:
        revolving.open_pre_existing(ctx, pre[rev[pre]])
        installment.open_pre_existing(ctx, pre[~rev[pre]])
        ctx.carry[pre] = book.bal[pre]
        book.revolved[pre] = rev[pre] & (pop.style[pre] != STYLE_TRANSACTOR) & (book.bal[pre] > 0)
        revolving.migrated_dues(ctx, pre[rev[pre]], month_start_before)
        installment.migrated_dues(ctx, pre[~rev[pre]], month_start_before)
        book.dpd[pre] = book.fifo_dpd(pre, ctx.ms - 1)
    return act


def _complaints(ctx: MonthCtx, cbook: ComplaintBook, rng: np.random.Generator) -> None:
    """Complaints from accounts that had a row at the previous month end, by their bucket then (drawn
    from the complaints' own stream `rng`)."""
    pop, book = ctx.pop, ctx.book
    seasoned_open = (book.status == M.OPEN) & (pop.opened_on < ctx.ms)
    just_left = book.term_month == ctx.mi - 1
    idx = np.flatnonzero(seasoned_open | just_left)
    st = book.status[idx]
    bucket = np.where(st == M.OPEN, bucket_of(book.dpd[idx]),
                      np.where(st == M.CHARGED_OFF, BUCKET_CHARGED_OFF, BUCKET_CLOSED))
    cbook.receive(rng, ctx, idx, bucket)


def _simulate(ctx: MonthCtx, act: np.ndarray) -> behaviour.Pending:
    pop, book = ctx.pop, ctx.book
    rev = pop.product == M.REVOLVING
    seasoned = act[pop.opened_on[act] < ctx.ms]

    fraud = events.flag_hardship(ctx, seasoned)
    closing, blocked = events.card_closures(ctx, seasoned, fraud)

    revolving.statement(ctx, seasoned[rev[seasoned]])
    inst = seasoned[~rev[seasoned]]
    installment.bill(ctx, inst[book.bal[inst] > 0])

    no_buy = np.zeros(pop.n, dtype=bool)
    no_buy[seasoned[closing | fraud]] = True
    buyers = act[rev[act] & ~no_buy[act] & (book.closed_on[act] < 0) & (book.hardship[act] == M.H_NONE)
                 & (book.dpd[act] < M.BLOCK_PURCHASES_DPD)]
    revolving.purchases(ctx, buyers)

    pending = behaviour.pay(ctx, seasoned[~fraud], closing[~fraud])
    events.fraud_close(ctx, seasoned[fraud])
    events.month_end(ctx, act)
    return pending
