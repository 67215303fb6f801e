"""Turn the simulation's arrays into the contract's columns and write them as CSV, CSV.gz or Parquet.

Amounts are DECIMAL(18,2) (written `123.40` in CSV), dates are DATE (ISO in CSV), empty field = null.
Files are byte-for-byte reproducible: rows come sorted, gzip carries no timestamp or file name.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from . import model as M
from .complaints import KEY_BASE as COMPLAINT_KEY_BASE
from .complaints import PRODUCTS, RESPONSE_TEXT, VIA, WORDING
from .entries import KEY_BASE, SortedEntries
from .population import REGION_NAMES, Population

FORMATS = {"csv": "csv", "csv.gz": "csv.gz", "parquet": "parquet"}
KINDS = ("accounts", "ledger", "complaints")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    return FORMATS[fmt]


def money(cents: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """int64 cents -> Decimal(18, 2), exactly (no float on the way)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    n = cents.size
    words = np.zeros((n, 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.Array.from_buffers(pa.decimal128(18, 2), n, [bitmap, pa.py_buffer(words)])
    return pl.from_arrow(arr)


def dates(days: np.ndarray, nullable: bool = False) -> pl.Series:
    days = np.asarray(days)
    s = pl.Series(days.astype(np.int32)).cast(pl.Date)
    if nullable and np.any(days < 0):
        s = pl.select(pl.when(pl.Series(days >= 0)).then(s)).to_series()
    return s


def labels(names, codes: np.ndarray) -> pl.Series:
    """Text from a small table of names by code; code -1 (or a None name) is null."""
    table = pl.Series(list(names) + [None], dtype=pl.String)
    codes = np.asarray(codes, dtype=np.int64)
    return table.gather(np.where(codes < 0, len(names), codes))


_DIGITS3_T = np.array([[48 + i // 100 for i in range(1000)], [48 + i // 10 % 10 for i in range(1000)],
                       [48 + i % 10 for i in range(1000)]], dtype=np.uint8)


def fixed_text(parts, valid: np.ndarray | None = None) -> pl.Series:
    """Fixed-width text built column-wise from literals and zero-padded integers, without a Python
    loop or a per-row format: parts are `str` or `(int array, width)`. Rows where valid is False are null."""
    n = next(np.asarray(p[0]).size for p in parts if not isinstance(p, str))
    width = sum(len(p) if isinstance(p, str) else p[1] for p in parts)
    chars = np.empty((width, n), dtype=np.uint8)  # one row per character position, transposed at the end
    col = 0
    for p in parts:
        if isinstance(p, str):
            chars[col:col + len(p)] = np.frombuffer(p.encode("ascii"), dtype=np.uint8)[:, None]
            col += len(p)
            continue
        values, w = np.maximum(np.asarray(p[0], dtype=np.int64), 0), p[1]
        if values.size and values.max() < 2**32:
            values = values.astype(np.uint32)  # faster division
        end = col + w
        while end - col >= 3:  # three digits at a time, from the right
            np.take(_DIGITS3_T, values % 1000, axis=1, out=chars[end - 3:end])
            values = values // 1000
            end -= 3
        while end > col:
            chars[end - 1] = 48 + values % 10
            values = values // 10
            end -= 1
        col += w
    data = np.ascontiguousarray(chars.T)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)[: n + 1]
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.Array.from_buffers(pa.large_string(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pl.from_arrow(arr)


def keyed_ids(prefix: str, key: np.ndarray, base: int, width: int) -> pl.Series:
    """`{prefix}{key // base:06d}-{key % base:0{width}d}` (key // base is YYYYMM), null where key < 0."""
    key = np.asarray(key, dtype=np.int64)
    valid = key >= 0
    return fixed_text([prefix, (key // base, 6), "-", (key % base, width)], None if valid.all() else valid)


def account_ids(n: int) -> pl.Series:
    return fixed_text(["A", (np.arange(1, n + 1), 9)])


def ledger_frame(e: SortedEntries, ids: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({
        "entry_id": keyed_ids("E", e.key, KEY_BASE, 9),
        "account_id": ids.gather(e.acct),
        "posted_on": dates(e.posted_on),
        "entry_type": labels(M.ENTRY_TYPES, e.etype),
        "amount": money(e.amount),
        "due_on": dates(e.due_on, nullable=True),
        "reverses_entry_id": keyed_ids("E", e.reverses, KEY_BASE, 9),
    })


def accounts_frame(idx: np.ndarray, pop: Population, closed_on: np.ndarray, hardship: np.ndarray,
                   ids: pl.Series) -> pl.DataFrame:
    port = pop.portfolio[idx]
    rev = pop.product[idx] == M.REVOLVING
    blank_none = np.array([p.blank_hardship_none for p in M.PORTFOLIOS])[port]
    hs = np.where((hardship == M.H_NONE) & blank_none, -1, hardship)
    return pl.DataFrame({
        "account_id": ids.gather(idx),
        "portfolio": labels([p.name for p in M.PORTFOLIOS], port),
        "product_type": labels(M.PRODUCT_NAMES, pop.product[idx]),
        "opened_on": dates(pop.opened_on[idx]),
        "closed_on": dates(closed_on, nullable=True),
        "currency": labels([p.currency for p in M.PORTFOLIOS], port),
        "credit_limit": money(pop.credit_limit[idx], valid=rev),
        "original_principal": money(pop.principal[idx], valid=~rev),
        "region": labels(REGION_NAMES, pop.region[idx]),
        "hardship_flag": labels(M.HARDSHIP_NAMES, hs),
    })


def complaints_frame(rows: dict[str, np.ndarray], ids: pl.Series) -> pl.DataFrame:
    order = np.argsort(rows["key"], kind="stable")
    rows = {k: v[order] for k, v in rows.items()}
    acct = rows["acct"]
    account = ids.gather(np.maximum(acct, 0))
    if np.any(acct < 0):
        account = pl.select(pl.when(pl.Series(acct >= 0)).then(account)).to_series()
    return pl.DataFrame({
        "complaint_id": keyed_ids("CP", rows["key"], COMPLAINT_KEY_BASE, 6),
        "account_id": account,
        "received_on": dates(rows["received"]),
        "submitted_via": labels(VIA, rows["via"]),
        "product": labels(PRODUCTS, rows["product"]),
        "issue": labels(WORDING.issues, rows["issue"]),
        "sub_issue": labels(WORDING.subs, rows["sub"]),
        "responded_on": dates(rows["responded"], nullable=True),
        "closed_on": dates(rows["closed"], nullable=True),
        "company_response": labels(RESPONSE_TEXT, rows["response"]),
    })


def write_frame(df: pl.DataFrame, out_dir: Path, kind: str, label: str, fmt: str) -> Path:
    ext = check_format(fmt)
    folder = out_dir / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}_{label}.{ext}"
    if fmt == "parquet":
        df.write_parquet(path, compression="zstd", compression_level=1, statistics=True)
    elif fmt == "csv":
        df.write_csv(path)
    else:
        data = df.write_csv().encode("utf-8")
        path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
    return path
