"""The sample's month-end exchange rates: one `fx/fx_YYYY-MM.csv` per month with the rate into USD of
every currency of the sample's portfolios but USD (cards-ca: CAD), so that `make demo` (reporting
currency USD) shows converted figures.

The rates are a random walk drawn from a generator of their own (seeded by the sample's seed), so the
other files of the sample are the same bytes with or without them: CAD starts at 0.7400 and moves by a
normal step of 0.004 a month, reflected into 0.7300 … 0.7500, written with 4 decimals."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import model as M

REPORTING_CURRENCY = "USD"
START, STEP, LOW, HIGH = 0.74, 0.004, 0.73, 0.75
STREAM = 0xF0  # the fx generator's stream: PCG64([seed, STREAM]), apart from the simulation's


def rate_walk(seed: int, months: int) -> np.ndarray:
    """`months` month-end rates of the walk (float, 4 decimals), deterministic in `seed`."""
    rng = np.random.Generator(np.random.PCG64([int(seed), STREAM]))
    rates = np.empty(months)
    x = START
    for i in range(months):  # one step per month (a few dozen), not per account
        x += rng.normal(0.0, STEP)
        x = HIGH - (x - HIGH) if x > HIGH else LOW + (LOW - x) if x < LOW else x
        rates[i] = round(x, 4)
    return rates


def write_fx(out_dir: Path, labels: tuple[str, ...], seed: int) -> list[str]:
    """Write fx/fx_<label>.csv for every month label; returns the files written (relative paths)."""
    currencies = sorted({p.currency for p in M.PORTFOLIOS} - {REPORTING_CURRENCY})
    if not currencies:
        return []
    walks = {c: rate_walk(seed + n, len(labels)) for n, c in enumerate(currencies)}
    folder = Path(out_dir) / "fx"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, label in enumerate(labels):
        path = folder / f"fx_{label}.csv"
        path.write_text("currency,rate\n" + "".join(f"{c},{walks[c][i]:.4f}\n" for c in currencies),
                        encoding="utf-8", newline="")
        files.append(path.relative_to(out_dir).as_posix())
    return files
