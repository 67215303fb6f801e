"""Complaints: drawn per account from its DPD bucket at the previous month end, with a full lifecycle
(response, closure) fixed when received. A month's file holds the complaints received that month plus
earlier ones whose response or closure happened that month (same complaint_id; the later file wins).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import model as M
from . import taxonomy as T

BUCKET_CHARGED_OFF, BUCKET_CLOSED = 8, 9
DEBT_COLLECTION = "Debt collection"
PRODUCTS = (DEBT_COLLECTION, "Credit card", "Personal loan", "Vehicle loan or lease")
VIA = tuple(v for v, _ in M.SUBMITTED_VIA)
RESPONSE_TEXT = tuple(r for r, _ in M.RESPONSES) + ("Untimely response", "In progress")
UNTIMELY, IN_PROGRESS = len(M.RESPONSES), len(M.RESPONSES) + 1
KEY_BASE = 10**6


@dataclass
class _Table:
    """One categorical over (issue, sub_issue) pairs, as codes into the shared text lists."""
    issue: np.ndarray
    sub: np.ndarray
    p: np.ndarray


@dataclass
class Wording:
    issues: list[str] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    tables: dict[str, _Table] = field(default_factory=dict)
    conduct: np.ndarray | None = None

    def code(self, texts: list[str], text: str) -> int:
        if text not in texts:
            texts.append(text)
        return texts.index(text)

    def add(self, name: str, rows, column: int) -> None:
        issue, sub, p = [], [], []
        for row in rows:
            w_issue = row[column]
            for s, w_sub in row[-1]:
                issue.append(self.code(self.issues, row[0]))
                sub.append(-1 if s is None else self.code(self.subs, s))
                p.append(w_issue * w_sub)
        p = np.array(p)
        self.tables[name] = _Table(np.array(issue), np.array(sub), p / p.sum())


def build_wording() -> Wording:
    w = Wording()
    w.add("dc", T.DEBT_COLLECTION, 1)
    w.add("dc_legacy", T.DEBT_COLLECTION_LEGACY, 1)
    for product, rows in T.PRODUCT_TAXONOMY.items():
        w.add(product + "|current", rows, 1)
        w.add(product + "|delinquent", rows, 2)
    w.conduct = np.array([t in T.CONDUCT_ISSUES for t in w.issues])
    return w


WORDING = build_wording()


class ComplaintBook:
    def __init__(self):
        z = np.zeros(0, dtype=np.int64)
        self.key, self.acct, self.received, self.via, self.product = z, z, z, z, z
        self.issue, self.sub, self.responded, self.closed, self.response = z, z, z, z, z

    def receive(self, rng: np.random.Generator, ctx, idx: np.ndarray, bucket: np.ndarray) -> int:
        """Draw this month's complaints from accounts idx with their previous-month-end bucket; every
        draw comes from `rng` (the complaints' own stream), none from ctx.rng."""
        hit = rng.random(idx.size) < M.COMPLAINT_RATE[bucket]
        acct, bucket = idx[hit], bucket[hit]
        n = acct.size
        if n == 0:
            return 0
        pop = ctx.pop
        own = np.array([PRODUCTS.index(p.complaint_product) for p in M.PORTFOLIOS])[pop.portfolio[acct]]
        collections = (bucket >= 2) & (bucket <= BUCKET_CHARGED_OFF)
        product = np.where(collections & (rng.random(n) < M.DEBT_COLLECTION_SHARE), 0, own)
        legacy = (product == 0) & (rng.random(n) < M.LEGACY_WORDING_SHARE)
        delinquent = (bucket >= 1) & (bucket <= BUCKET_CHARGED_OFF)
        table = np.where(product == 0, np.where(legacy, "dc_legacy", "dc"),
                         np.char.add(np.array(PRODUCTS)[product], np.where(delinquent, "|delinquent", "|current")))
        issue = np.zeros(n, dtype=np.int64)
        sub = np.zeros(n, dtype=np.int64)
        for name in sorted(set(table.tolist())):
            sel = np.flatnonzero(table == name)
            t = WORDING.tables[name]
            pick = rng.choice(t.p.size, size=sel.size, p=t.p)
            issue[sel], sub[sel] = t.issue[pick], t.sub[pick]

        via = rng.choice(len(VIA), size=n, p=np.array([p for _, p in M.SUBMITTED_VIA]))
        received = ctx.ms + np.floor(rng.random(n) * ctx.ml).astype(np.int64)  # a day of the month, from rng
        lag = _mixture(rng, M.RESPONSE_LAG, n)
        responded = received + lag
        closed = responded + _mixture(rng, M.CLOSE_AFTER_RESPONSE, n)
        base = np.array([p for _, p in M.RESPONSES])
        conduct = WORDING.conduct[issue]
        relief = np.array([-M.CONDUCT_RELIEF_SHIFT, M.CONDUCT_RELIEF_SHIFT / 2, M.CONDUCT_RELIEF_SHIFT / 2])
        p = np.where(conduct[:, None], base + relief, base)
        response = (rng.random(n)[:, None] > np.cumsum(p, axis=1)[:, :-1]).sum(axis=1)
        response = np.where((lag > 15) & (rng.random(n) < M.UNTIMELY_SHARE), UNTIMELY, response)
        acct = np.where(rng.random(n) < M.NO_ACCOUNT_SHARE, -1, acct)

        # complaints of one month are numbered in received order, then account
        order = np.lexsort((acct, received))
        key = ctx.grid.yyyymm(ctx.mi) * KEY_BASE + 1 + np.arange(n, dtype=np.int64)
        cols = dict(key=key, acct=acct[order], received=received[order], via=via[order], product=product[order],
                    issue=issue[order], sub=sub[order], responded=responded[order], closed=closed[order],
                    response=response[order])
        for name, values in cols.items():
            setattr(self, name, np.concatenate([getattr(self, name), values.astype(np.int64)]))
        return n

    def month_rows(self, ms: int, d: int) -> dict[str, np.ndarray]:
        """The versions to write in the file of the month [ms, d]."""
        in_month = lambda x: (x >= ms) & (x <= d)  # noqa: E731
        sel = in_month(self.received) | in_month(self.responded) | in_month(self.closed)
        responded = np.where(self.responded[sel] <= d, self.responded[sel], -1)
        closed = np.where(self.closed[sel] <= d, self.closed[sel], -1)
        response = np.where(closed >= 0, self.response[sel], IN_PROGRESS)
        return dict(key=self.key[sel], acct=self.acct[sel], received=self.received[sel], via=self.via[sel],
                    product=self.product[sel], issue=self.issue[sel], sub=self.sub[sel],
                    responded=responded, closed=closed, response=response)


def _mixture(rng, parts, n) -> np.ndarray:
    share = np.array([p[0] for p in parts])
    k = rng.choice(len(parts), size=n, p=share / share.sum())
    lo = np.array([p[1] for p in parts])[k]
    hi = np.array([p[2] for p in parts])[k]
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
