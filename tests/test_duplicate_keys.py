"""duplicate_keys_sql: the hash sort finds exactly the repeated keys (hand-made tables)."""

import duckdb

from assets.staging.common import duplicate_keys_sql


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
