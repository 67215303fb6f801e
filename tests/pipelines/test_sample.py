"""The sample generator (pipelines/sample): deterministic, contract-valid, and behaving like a portfolio.

Contract rules are checked with DuckDB over the written files; behaviour with a FIFO DPD query that
follows metrics.md (tolerance 5.00), independent of the generator's own ageing code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.sample import write_sample

KINDS = ("accounts", "ledger", "complaints")
ENTRY_TYPES = {"disbursement", "purchase", "interest", "fee", "payment", "payment_reversal",
               "credit_adjustment", "waiver", "charge_off", "recovery", "due"}
RESPONSES = {"Closed with explanation", "Closed with non-monetary relief", "Closed with monetary relief",
             "In progress", "Untimely response"}


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _connect(folder: Path) -> duckdb.DuckDBPyConnection:
    """Raw text of every CSV row plus the file's month, as the contract reads them."""
    con = duckdb.connect()
    for kind in KINDS:
        con.execute(f"""
            create table {kind} as
            select *, regexp_extract(filename, '_(\\d{{4}}-\\d{{2}})\\.csv', 1) as file_month
            from read_csv('{folder}/{kind}/*.csv', header = true, all_varchar = true, filename = true)""")
    con.execute("""
        create table months as
        select file_month, strptime(file_month || '-01', '%Y-%m-%d')::date as ms,
               (strptime(file_month || '-01', '%Y-%m-%d') + interval 1 month - interval 1 day)::date as d
        from (select distinct file_month from ledger)""")
    return con


def _one(con, sql):
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    write_sample(folder, accounts=500, months=12, seed=11, fmt="csv")
    return folder


@pytest.fixture(scope="module")
def larger(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("larger")
    write_sample(folder, accounts=3000, months=18, seed=5, fmt="csv", end_month="2024-06")
    return folder


@pytest.fixture(scope="module")
def small_db(small):
    return _connect(small)


# ---------------------------------------------------------------------------------------- determinism

def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    messages = []
    sa = write_sample(a, accounts=300, months=6, seed=3, progress=messages.append)
    assert len(messages) == 6 and messages[0].startswith("2026-05")
    write_sample(b, accounts=300, months=6, seed=3)
    write_sample(c, accounts=300, months=6, seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert len(sa["files"]) == 18
    assert sa["rows"] == {"accounts": 1272, "ledger": 3815, "complaints": 7}  # rows written per kind (seed 3)
    assert sorted(_digest(a)) == sorted(sa["files"])


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_formats_hold_the_same_content(tmp_path, fmt):
    write_sample(tmp_path / "csv", accounts=300, months=4, seed=9, fmt="csv")
    write_sample(tmp_path / "other", accounts=300, months=4, seed=9, fmt=fmt)
    write_sample(tmp_path / "again", accounts=300, months=4, seed=9, fmt=fmt)
    assert _digest(tmp_path / "other") == _digest(tmp_path / "again")
    for kind in KINDS:
        for csv_path in sorted((tmp_path / "csv" / kind).glob("*.csv")):
            other = tmp_path / "other" / kind / csv_path.name.replace(".csv", "." + fmt)
            expected = pl.read_csv(csv_path, infer_schema=False)
            if fmt == "parquet":
                got = pl.read_parquet(other).with_columns(pl.all().cast(pl.String))
            else:
                got = pl.read_csv(other, infer_schema=False)
            assert got.equals(expected), f"{other.name} differs from {csv_path.name}"


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        write_sample(tmp_path, accounts=10, months=2, seed=1, fmt="xlsx")
    with pytest.raises(ValueError):
        write_sample(tmp_path, accounts=10, months=2, seed=1, end_month="10/2026")


# ---------------------------------------------------------------------------------------- contract

def test_layout_and_columns(small):
    for kind in KINDS:
        files = sorted((small / kind).glob("*.csv"))
        assert [f.name for f in files] == [f"{kind}_2025-{m:02d}.csv" for m in range(11, 13)] + \
            [f"{kind}_2026-{m:02d}.csv" for m in range(1, 11)]
    header = {kind: (small / kind / f"{kind}_2026-10.csv").read_text().splitlines()[0].split(",") for kind in KINDS}
    assert header["accounts"] == ["account_id", "portfolio", "product_type", "opened_on", "closed_on", "currency",
                                  "credit_limit", "original_principal", "region", "hardship_flag"]
    assert header["ledger"] == ["entry_id", "account_id", "posted_on", "entry_type", "amount", "due_on",
                                "reverses_entry_id"]
    assert header["complaints"] == ["complaint_id", "account_id", "received_on", "submitted_via", "product", "issue",
                                    "sub_issue", "responded_on", "closed_on", "company_response"]


def test_ledger_rows_follow_the_contract(small_db):
    con = small_db
    assert _one(con, "select count(*) - count(distinct entry_id) from ledger") == 0
    assert _one(con, """select count(*) from ledger l join months m using (file_month)
                        where l.posted_on::date not between m.ms and m.d""") == 0
    assert _one(con, r"select count(*) from ledger where not regexp_full_match(amount, '\d+\.\d{2}') "
                     "or amount::decimal(18,2) <= 0") == 0
    assert _one(con, "select count(*) from ledger where (entry_type = 'due') <> (due_on is not null)") == 0
    assert _one(con, "select count(*) from ledger where entry_type not in "
                     f"({', '.join(repr(t) for t in sorted(ENTRY_TYPES))})") == 0
    assert {r[0] for r in con.execute("select distinct entry_type from ledger").fetchall()} == ENTRY_TYPES
    # reversals name an earlier payment of the same account, posted the same or the previous month
    assert _one(con, "select count(*) from ledger where (entry_type = 'payment_reversal') <> (reverses_entry_id is not null)") == 0
    assert _one(con, """
        select count(*) from ledger r left join ledger p on p.entry_id = r.reverses_entry_id
        where r.entry_type = 'payment_reversal'
          and (p.entry_id is null or p.entry_type <> 'payment' or p.account_id <> r.account_id
               or p.posted_on::date >= r.posted_on::date or p.amount <> r.amount
               or date_diff('month', p.posted_on::date, r.posted_on::date) > 1)""") == 0
    assert _one(con, "select count(*) - count(distinct reverses_entry_id) from ledger where reverses_entry_id is not null") == 0
    # nothing but recoveries after a charge-off; nothing at all after the month an account closed
    assert _one(con, """
        select count(*) from ledger l join (select account_id, posted_on::date co from ledger where entry_type = 'charge_off') c
        using (account_id) where l.posted_on::date >= c.co and l.entry_type not in ('charge_off', 'recovery')""") == 0
    assert _one(con, "select count(*) - count(distinct account_id) from ledger where entry_type = 'charge_off'") == 0
    assert _one(con, """
        select count(*) from ledger l join (
            select account_id, max(file_month) last_month from accounts group by all) a using (account_id)
        where l.file_month > a.last_month and l.entry_type <> 'recovery'""") == 0


def test_accounts_follow_the_contract(small_db):
    con = small_db
    assert _one(con, "select count(*) from (select file_month, account_id from accounts group by all having count(*) > 1)") == 0
    assert _one(con, "select count(distinct l.account_id) from ledger l anti join accounts a using (account_id)") == 0
    # an entry's account is in that month's master (recoveries follow accounts that left the book)
    assert _one(con, """select count(*) from ledger l anti join accounts a using (account_id, file_month)
                        where l.entry_type <> 'recovery'""") == 0
    assert _one(con, "select count(*) from accounts a join months m using (file_month) where a.opened_on::date > m.d") == 0
    assert _one(con, """select count(*) from ledger l join accounts a using (account_id, file_month)
                        where l.posted_on::date < a.opened_on::date""") == 0
    assert _one(con, "select count(*) from accounts where closed_on::date < opened_on::date") == 0
    assert _one(con, "select count(*) from accounts a join months m using (file_month) where a.closed_on::date > m.d") == 0
    assert _one(con, """select count(*) from accounts where (product_type = 'revolving' and (credit_limit is null or original_principal is not null))
                        or (product_type = 'installment' and (original_principal is null or original_principal::decimal(18,2) <= 0
                            or credit_limit is not null)) or product_type not in ('revolving', 'installment')""") == 0
    assert _one(con, "select count(*) from accounts where coalesce(hardship_flag, 'none') not in ('none','bankrupt','deceased','fraud')") == 0
    assert _one(con, r"select count(*) from accounts where not regexp_full_match(currency, '[A-Z]{3}')") == 0
    assert _one(con, "select count(*) from accounts where length(account_id) not between 1 and 64") == 0
    portfolios = dict(con.execute("select portfolio, any_value(product_type) from accounts group by all").fetchall())
    # several portfolios, each of one product type, both types present
    assert portfolios == {"auto-loans": "installment", "cards-ca": "revolving", "cards-us": "revolving",
                          "personal-loans": "installment"}
    assert _one(con, "select count(distinct currency) from accounts") == 2  # more than one currency (USD, CAD)
    # region is optional: given on 3,759 of the 3,875 account rows
    assert _one(con, "select count(*) from accounts where region is not null") == 3775
    # no personal data at all
    cols = {c.lower() for c in con.execute("select * from accounts limit 0").fetchdf().columns}
    assert not cols & {"name", "address", "phone", "email", "birth_date", "national_id"}


def test_accounts_file_is_the_master_as_of_its_month_end(small_db):
    """Every account appears from its opening month through the month it became terminal, then never."""
    con = small_db
    gaps = _one(con, """
        with spans as (select account_id, min(file_month) first_m, max(file_month) last_m, count(*) n from accounts group by all),
        months_n as (select file_month, row_number() over (order by file_month) k from months)
        select count(*) from spans s join months_n a on a.file_month = s.first_m join months_n b on b.file_month = s.last_m
        where s.n <> b.k - a.k + 1""")
    assert gaps == 0
    wrong_first = _one(con, """
        select count(*) from (select account_id, min(file_month) first_m, min(opened_on::date) opened from accounts group by all) s
        where s.first_m <> greatest(strftime(s.opened, '%Y-%m'), (select min(file_month) from months))""")
    assert wrong_first == 0


def test_complaints_follow_the_contract(ageing):
    con = ageing
    assert _one(con, "select count(*) from complaints") == 133  # complaint rows over the 18 files (seed 5)
    assert _one(con, "select count(*) from (select file_month, complaint_id from complaints group by all having count(*) > 1)") == 0
    assert _one(con, "select count(*) from complaints c anti join accounts a using (account_id) where c.account_id is not null") == 0
    assert _one(con, """select count(*) from complaints c join months m using (file_month)
                        where responded_on::date > m.d or closed_on::date > m.d
                           or responded_on::date < received_on::date or closed_on::date < received_on::date""") == 0
    assert _one(con, "select count(*) from complaints where submitted_via not in ('phone','email','web','letter','in_person','regulator')") == 0
    assert _one(con, f"select count(*) from complaints where company_response not in ({', '.join(repr(r) for r in sorted(RESPONSES))})") == 0
    assert _one(con, "select count(*) from complaints where product is null or issue is null or received_on is null") == 0
    # a complaint first appears in the month it was received; re-issues keep received_on
    assert _one(con, """select count(*) from (select complaint_id, min(file_month) fm, count(distinct received_on) r,
                               min(received_on::date) received from complaints group by all) c
                        join months m on m.file_month = c.fm
                        where c.r <> 1 or c.received not between m.ms and m.d""") == 0
    assert _one(con, "select count(*) from complaints where company_response = 'In progress' and closed_on is not null") == 0
    # complaints re-issued in a later month's file (an update: same complaint_id)
    assert _one(con, "select count(*) from (select complaint_id from complaints group by all having count(*) > 1)") == 39
    # debt-collection complaints, the product the issue groups are about
    assert _one(con, "select count(*) from complaints where product = 'Debt collection'") == 24
    products = {r[0] for r in con.execute("select distinct product from complaints").fetchall()}
    assert products == {"Credit card", "Debt collection", "Personal loan", "Vehicle loan or lease"}


# ---------------------------------------------------------------------------------------- behaviour

FIFO_SQL = """
create table am as
with acc as (select account_id, any_value(product_type) product_type, min(opened_on::date) opened_on,
                    arg_max(closed_on::date, file_month) closed_on from accounts group by all),
led as (select entry_id, account_id, posted_on::date posted_on, entry_type, amount::decimal(18,2) amount,
               due_on::date due_on from ledger),
grid as (select a.account_id, a.product_type, a.closed_on, m.d from acc a join months m on a.opened_on <= m.d),
bal as (select g.account_id, g.d,
          coalesce(sum(case when l.entry_type in ('disbursement','purchase','interest','fee','payment_reversal') then l.amount
                            when l.entry_type in ('payment','credit_adjustment','waiver','charge_off') then -l.amount end), 0) bal,
          coalesce(sum(case when l.entry_type = 'payment' then l.amount
                            when l.entry_type = 'payment_reversal' then -l.amount end), 0) credits,
          count(*) filter (where l.entry_type = 'charge_off') co
        from grid g left join led l on l.account_id = g.account_id and l.posted_on <= g.d group by all),
dues as (select g.account_id, g.d, l.due_on,
                sum(l.amount) over (partition by g.account_id, g.d order by l.due_on, l.entry_id) cum
         from grid g join led l on l.account_id = g.account_id and l.posted_on <= g.d and l.entry_type = 'due'),
oldest as (select account_id, d, min(due_on) due_on from dues join bal using (account_id, d)
           where cum - credits > 5.00 group by all),
rows as (select g.account_id, g.product_type, g.d, b.bal,
           case when b.co > 0 then 'charged_off' when g.closed_on <= g.d and b.bal = 0 then 'closed' else 'open' end status,
           case when o.due_on < g.d then date_diff('day', o.due_on, g.d) else 0 end dpd
         from grid g join bal b using (account_id, d) left join oldest o using (account_id, d))
select * exclude (before), case when status <> 'open' then status when dpd = 0 then 'current' when dpd < 30 then 'dpd_1_29'
       when dpd < 60 then 'dpd_30_59' when dpd < 90 then 'dpd_60_89' else 'dpd_90_plus' end bucket
from (select *, count(*) filter (where status <> 'open') over (partition by account_id order by d
             rows between unbounded preceding and 1 preceding) before from rows)
where before = 0
"""


@pytest.fixture(scope="module")
def ageing(larger):
    con = _connect(larger)
    con.execute(FIFO_SQL)
    con.execute("""create table roll as
        select a.product_type, a.bucket fb, b.bucket tb, a.bal from am a join am b
        on a.account_id = b.account_id and b.d = last_day(a.d + interval 1 day) where a.status = 'open'""")
    return con


def _rate(con, where_from, where_to, product=None):
    extra = f"and product_type = '{product}'" if product else ""
    return _one(con, f"select avg(case when {where_to} then 1.0 else 0 end) from roll where {where_from} {extra}")


def test_no_open_account_past_its_charge_off_threshold(ageing):
    assert _one(ageing, """select count(*) from am where status = 'open'
                           and dpd >= case product_type when 'revolving' then 180 else 120 end""") == 0
    assert _one(ageing, "select count(*) from am where status = 'open' and bal < 0") == 0


def test_delinquency_rolls_and_cures_like_a_portfolio(ageing):
    """Entry into delinquency is current -> dpd >= 1: with calendar month-end ageing a missed due shows
    as 1-29 DPD at the month end it falls in and 30-59 at the next, so the "current -> 30+" roll of a
    cycle-based shop is this first step (a literal one-month current -> 30+ only happens to dues on the
    previous month end). See docs/sample-model.md."""
    con = ageing
    for product in ("revolving", "installment"):
        entry = _rate(con, "fb = 'current'", "tb like 'dpd%'", product)
        assert 0.005 <= entry <= 0.06, (product, entry)
    flow_30_60 = _rate(con, "fb = 'dpd_30_59'", "tb in ('dpd_60_89', 'dpd_90_plus', 'charged_off')")
    assert 0.20 <= flow_30_60 <= 0.50, flow_30_60
    flow_60_90 = _rate(con, "fb = 'dpd_60_89'", "tb in ('dpd_90_plus', 'charged_off')")
    assert 0.50 <= flow_60_90 <= 0.92, flow_60_90
    assert _rate(con, "fb = 'dpd_30_59'", "tb = 'current'") > 0.05
    # cures: account-months rolling back to current from 60+ DPD and from 1-29 DPD
    assert _one(con, "select count(*) from roll where fb in ('dpd_60_89', 'dpd_90_plus') and tb = 'current'") == 22
    assert _one(con, "select count(*) from roll where fb = 'dpd_1_29' and tb = 'current'") == 259


def test_charge_offs_recoveries_and_payoffs_exist(ageing):
    con = ageing
    co = dict(con.execute("select product_type, count(*) from am where status = 'charged_off' group by all").fetchall())
    assert co == {"revolving": 48, "installment": 58}  # charge-offs of both products
    assert _one(con, "select count(*) from ledger where entry_type = 'recovery'") == 42
    # installment loans paid off and closed
    assert _one(con, "select count(*) from am where status = 'closed' and product_type = 'installment'") == 325
    # prepayment: some payments exceed everything due so far
    assert _one(con, """select count(*) from ledger p join ledger d using (account_id, file_month)
                        where p.entry_type = 'payment' and d.entry_type = 'due'
                          and p.amount::decimal(18,2) > 2 * d.amount::decimal(18,2)""") == 8334
    # month-end and leap-day dues (the window covers February 2024)
    assert _one(con, "select count(*) from ledger where due_on = '2024-02-29'") == 133
    assert _one(con, "select count(*) from ledger where entry_type = 'payment_reversal'") == 240  # bounced payments


def test_complaints_rise_with_delinquency(ageing):
    """Complaints per 1,000 accounts by the bucket the account was in at the previous month end."""
    rates = dict(ageing.execute("""
        with first as (select complaint_id, arg_min(account_id, file_month) account_id, min(received_on::date) received
                       from complaints group by all)
        select case when p.bucket = 'current' then 'current' else 'delinquent' end grp,
               count(f.complaint_id) * 1000.0 / count(distinct p.account_id || p.d::varchar)
        from am p left join first f on f.account_id = p.account_id and last_day(f.received - interval 1 month) = p.d
        where p.status = 'open' and p.d < (select max(d) from am) group by all""").fetchall())
    assert rates["delinquent"] > 4 * rates["current"] > 0, rates
    conduct = _one(ageing, """select count(*) from complaints where issue in ('Communication tactics', 'Electronic communications',
        'False statements or representation', 'Took or threatened to take negative or legal action',
        'Threatened to contact someone or share information improperly')""")
    assert conduct == 15  # complaint rows about the collector's conduct (the conduct issues of metrics.md)
