"""The matrix algebra of the roll-rate loss forecast (docs/spec/metrics.md, "Roll-rate loss forecast"): pure
NumPy, no warehouse.

A book's averaged transition matrix P is read as an absorbing Markov chain over the buckets: the open
buckets are transient, charged_off and closed absorbing. With Q the transient→transient block and R the
transient→absorbing block, the probability of ending in each absorbing state is B = (I − Q)^-1 R for a
bucket from which absorption is certain. A bucket from which some reachable bucket never reaches an
absorbing state (a bucket that never leaves, or a closed loop of open buckets) has no such lifetime
figure (I − Q is singular on it): it gets the finite-horizon figure, P^h (absorbed within h months), and
is flagged. I − Q is never inverted where it is singular.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HORIZON_MONTHS = 60  # the finite horizon of a bucket with no lifetime figure


@dataclass(frozen=True)
class Absorption:
    """Per transient state i: the probability of ending charged off, closed, or still open (open is 0 for
    a lifetime figure), and whether the figure is the finite-horizon one (`limited`)."""

    charge_off: np.ndarray
    closed: np.ndarray
    open: np.ndarray
    limited: np.ndarray


def never_absorbed(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Boolean per transient state: some state reachable from it (itself included) never reaches an
    absorbing state, i.e. absorption from it is not certain."""
    n = q.shape[0]
    edge = q > 0
    # reaches_absorbing: the states with a path to an absorbing state (backward closure from R's support)
    reaches = (r > 0).any(axis=1)
    for _ in range(n):
        grown = reaches | (edge & reaches[None, :]).any(axis=1)
        if (grown == reaches).all():
            break
        reaches = grown
    stuck = ~reaches
    # the states with a path to a stuck state (itself included)
    bad = stuck.copy()
    for _ in range(n):
        grown = bad | (edge & bad[None, :]).any(axis=1)
        if (grown == bad).all():
            break
        bad = grown
    return bad


def absorption(q: np.ndarray, r: np.ndarray, horizon: int = HORIZON_MONTHS) -> Absorption:
    """Absorption probabilities of each transient state of the chain (Q, R): columns of R are
    (charged_off, closed). Lifetime (I − Q)^-1 R where absorption is certain; P^horizon elsewhere."""
    n = q.shape[0]
    limited = never_absorbed(q, r)
    out = np.zeros((n, 2))
    still_open = np.zeros(n)
    certain = ~limited
    if certain.any():
        # the certain states only reach certain states: I − Q restricted to them is invertible
        c = np.flatnonzero(certain)
        out[c] = np.linalg.solve(np.eye(len(c)) - q[np.ix_(c, c)], r[c])
    if limited.any():
        p = full_matrix(q, r)
        ph = np.linalg.matrix_power(p, horizon)
        lim = np.flatnonzero(limited)
        out[lim] = ph[lim][:, n:]
        still_open[lim] = ph[lim][:, :n].sum(axis=1)
    # The true figures lie in [0, 1]; the solve and the matrix power leave rounding noise of a few ulps
    # (−1e-17, 1 + 2e-16), which is clipped so that a probability is never reported outside its range.
    out, still_open = np.clip(out, 0.0, 1.0), np.clip(still_open, 0.0, 1.0)
    return Absorption(out[:, 0], out[:, 1], still_open, limited)


def full_matrix(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The square chain [[Q, R], [0, I]]: the absorbing states stay where they are."""
    n, a = r.shape
    p = np.zeros((n + a, n + a))
    p[:n, :n], p[:n, n:], p[n:, n:] = q, r, np.eye(a)
    return p


def project(start: np.ndarray, q: np.ndarray, r: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The balance vector of the transient states k = 1 … steps months ahead, v_k = v_{k−1} · Q, and the
    balance absorbed in month k, v_{k−1} · R: arrays of shape (steps, n) and (steps, a)."""
    v = np.asarray(start, dtype=float)
    balances, absorbed = np.zeros((steps, q.shape[0])), np.zeros((steps, r.shape[1]))
    for k in range(steps):
        absorbed[k] = v @ r
        v = v @ q
        balances[k] = v
    return balances, absorbed
