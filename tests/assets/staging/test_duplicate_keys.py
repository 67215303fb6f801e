"""duplicate_keys_sql: the hash sort finds exactly the repeated keys (hand-made tables)."""

import os

import duckdb
import numpy as np
import pytest

from assets.staging.duplicate_keys import duplicate_keys_sql, sort_on_all_cores


def _dups(con, source, *cols):
    return sorted(con.execute(duplicate_keys_sql(con, source, *cols)).fetchall())


def test_single_and_composite_keys():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('E1', 1), ('E2', 1), ('E1', 2), ('E3', 3), ('E1', 1), "
                "('E3', 3)) v(k, m)")
    assert _dups(con, "t", "k") == [("E1", 3), ("E3", 2)]
    assert _dups(con, "t", "k", "m") == [("E1", 1, 2), ("E3", 3, 2)]
    assert _dups(con, "t WHERE m > 1", "k") == [("E3", 2)]


def test_no_duplicates_among_many_rows():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 'E' || i AS k FROM range(200000) r(i)")
    assert _dups(con, "t", "k") == []
    con.execute("INSERT INTO t VALUES ('E199999')")
    assert _dups(con, "t", "k") == [("E199999", 2)]


@pytest.mark.parametrize("cores", [1, 2, 3])
def test_sort_on_all_cores_sorts_like_numpy(monkeypatch, cores):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    rng = np.random.default_rng(cores)
    a = rng.integers(0, 2**64 - 1, 1_500_001, dtype=np.uint64, endpoint=True)
    a[7], a[1_400_000] = a[1_200_000], a[3]  # repeats across the chunks
    expected = np.sort(a)
    sort_on_all_cores(a)
    assert np.array_equal(a, expected)
