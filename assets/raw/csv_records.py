"""Where the records of a CSV file start: the physical line (header = line 1) and the length in bytes of
each record, found from the file's bytes with the CSV reader's own quoting rules; and the checks a CSV
file must pass before its records can be numbered at all (UTF-8; a CR or LF outside quotes only as the
file's line break).

Physical lines end at LF (a CRLF is one line break). DuckDB's reader numbers only the records it
rejects, and counts records and blank lines, not the line breaks inside quoted fields; the rows it
loads carry no position. So the lines are counted here, from the bytes.

The bytes are read in chunks that end at a line feed. In a chunk, every quote run, CR and LF is a token
carrying its effect, and that of the bytes since the token before it, on the reader's states: N
(outside quotes), Q (inside quotes), U (a quote just closed; spaces keep it, a quote reopens the field)
and E (text after a closing quote: an error in the record that lasts to the next delimiter). Composing
those effects in order (a prefix scan in NumPy: sequential within blocks of 64 tokens, vectorised
across blocks) gives the state at every token: a line break met outside quotes ends a record, a CR or
LF met where the reader cannot go on refuses the file. Only files whose records are not simply one per
line are scanned.
"""

from __future__ import annotations

import codecs
import gzip
from dataclasses import dataclass

import numpy as np

from .landing import ContractError, LandingFile

CHUNK = 16 << 20
N, Q, U, E = 0, 1, 2, 3
COMMA, LF, CR, SPACE, QUOTE = 44, 10, 13, 32, 34

CR_OUTSIDE_QUOTES = ("a carriage return (CR) outside a quoted field that does not end the line as CRLF "
                     "(CSV: RFC 4180 quoting: a CR is data only inside quotes)")
LF_IN_CRLF_FILE = ("a line break LF where the file's line breaks are CRLF (CSV: RFC 4180: one kind of "
                   "line break per file)")


def _open(f: LandingFile):
    return gzip.open(f.path, "rb") if f.fmt == "csv.gz" else open(f.path, "rb")


def _chunks(f: LandingFile):
    """The (decompressed) bytes in chunks that end at a line feed (the last one at the end of the file)."""
    with _open(f) as fh:
        rest = b""
        while True:
            block = fh.read(CHUNK)
            if not block:
                if rest:
                    yield rest
                return
            data = rest + block
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut:
                yield data[:cut]


@dataclass(frozen=True)
class Lines:
    """What one cheap pass over a CSV file tells: `count`, its physical lines through the last one holding
    anything but line breaks (blank lines at the end do not count); `stray_breaks`, whether it holds a CR
    or LF that is not part of a CRLF in a file that has CRs (data inside quotes, a refusal outside)."""
    count: int
    stray_breaks: bool


def count_lines(f: LandingFile) -> Lines:
    """The file's Lines; in the same pass, a file that is not UTF-8 is refused at the line and byte of its
    first invalid sequence."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lfs = crs = pairs = trailing = offset = 0
    content, last = False, b""
    with _open(f) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            pending = decoder.getstate()[0]
            if pending or not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as e:
                    _not_utf8(f, offset - len(pending) + e.start, e.reason)
            n = chunk.count(b"\n")
            body = chunk.rstrip(b"\r\n")
            if body:
                content, trailing = True, n - body.count(b"\n")
            else:
                trailing += n
            cr = chunk.count(b"\r")
            if cr or last == b"\r":
                crs, pairs = crs + cr, pairs + chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            lfs += n
            offset, last = offset + len(chunk), chunk[-1:]
    pending = decoder.getstate()[0]
    if pending:
        _not_utf8(f, offset - len(pending), "truncated sequence at the end of the file")
    return Lines(lfs - trailing + 1 if content else 0, bool(crs) and not crs == pairs == lfs)


def _not_utf8(f: LandingFile, offset: int, reason: str):
    line, col, seen = 1, offset + 1, 0
    for chunk in _chunks(f):
        part = chunk[:max(0, offset - seen)]
        line += part.count(b"\n")
        if part.rfind(b"\n") >= 0:
            col = offset - (seen + part.rfind(b"\n"))
        seen += len(chunk)
        if seen >= offset:
            break
    raise ContractError(f"{f.source_file}: line {line}: not UTF-8 ({reason} at byte {col} of the line); "
                        "CSV: UTF-8, so the file is refused whole")


# An effect is a map of the states (N, Q, U, E), packed 2 bits each: f(N) | f(Q) << 2 | f(U) << 4 | f(E) << 6.
IDENTITY = N | Q << 2 | U << 4 | E << 6


def _compose_table() -> np.ndarray:
    """COMPOSE[a, b]: the effect a applied after the effect b."""
    codes = np.arange(256)
    comp = np.zeros((256, 256), dtype=np.uint8)
    for s in (N, Q, U, E):
        mid = (codes >> (2 * s)) & 3  # b(s) for every b
        comp |= (((codes[:, None] >> (2 * mid[None, :])) & 3) << (2 * s)).astype(np.uint8)
    return comp


COMPOSE = _compose_table()


def _effect(fn, fq, fu, fe) -> np.ndarray:
    f = [np.asarray(x, dtype=np.uint8) for x in (fn, fq, fu, fe)]
    return (f[0] | (f[1] << 2) | (f[2] << 4) | (f[3] << 6)).astype(np.uint8)


def _prefix(effects: np.ndarray, block: int = 64) -> np.ndarray:
    """The composition of effects[0..i], for every i."""
    n = effects.size
    rows = -(-n // block)
    p = np.full(rows * block, IDENTITY, dtype=np.uint8)
    p[:n] = effects
    p = p.reshape(rows, block)
    for j in range(1, block):
        p[:, j] = COMPOSE[p[:, j], p[:, j - 1]]
    carry = np.full(rows, IDENTITY, dtype=np.uint8)  # the composition of all blocks before each block
    carry[1:] = p[:-1, -1]
    d = 1
    while d < rows - 1:
        carry[1 + d:] = COMPOSE[carry[1 + d:], carry[1:-d]]
        d *= 2
    return COMPOSE[p, carry[:, None]].reshape(-1)[:n]


def _runs(at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of consecutive positions in `at` (sorted): their first positions and the positions after them."""
    if not at.size:
        return at, at
    breaks = np.flatnonzero(np.diff(at) != 1)
    return at[np.concatenate(([0], breaks + 1))], at[np.concatenate((breaks, [at.size - 1]))] + 1


def _tokens(arr: np.ndarray, lf: np.ndarray, cr: np.ndarray, start: int, crlf: bool):
    """The chunk's tokens in byte order: position, the effect of the bytes since the token before, the
    token's own effect, whether it ends a record when met outside quotes, the states in which it stops
    the reader (bit mask), and its kind (0 quote run or line end, 1 CR, 2 LF in a CRLF file). The chunk
    starts after a line feed or at the start of the file (`start` skips a BOM)."""
    # quote runs [qs, qe): where a field starts (after a delimiter, a line break, or one space after
    # those) a run opens a quoted field; elsewhere outside quotes it is data. Inside quotes, pairs are
    # escaped quotes and an odd run closes the field.
    qs, qe = _runs(np.flatnonzero(arr == QUOTE))
    p1, p2 = arr[np.maximum(qs - 1, 0)], arr[np.maximum(qs - 2, 0)]
    p1[qs <= start], p2[qs <= start + 1] = LF, LF
    opens = (p1 == COMMA) | (p1 == LF) | ((p1 == SPACE) & ((p2 == COMMA) | (p2 == LF)))
    odd = ((qe - qs) & 1).astype(bool)
    reopen = np.where(odd, Q, U)
    run = _effect(np.where(opens, reopen, N), np.where(odd, U, Q), reopen, E)

    if crlf:
        pair = np.zeros(lf.size, dtype=bool)
        pair[lf > 0] = arr[lf[lf > 0] - 1] == CR
        ends, lone_lf = lf[pair], lf[~pair]
        after_cr = np.zeros(cr.size, dtype=np.uint8)
        inside = cr + 1 < arr.size
        after_cr[inside] = arr[cr[inside] + 1]
        lone_cr = cr[after_cr != LF]
        sizes = [ends.size, lone_lf.size, lone_cr.size]
        at = np.concatenate((ends, lone_lf, lone_cr))
        first = np.concatenate((ends - 1, lone_lf, lone_cr))  # a CRLF begins at its CR
        # a CRLF ends the record outside quotes; a lone LF or CR stops the reader, except after a
        # closing quote, where it is an error inside the record, which goes on to the next CRLF
        own = np.repeat(_effect([N, N, N], [Q, Q, Q], [N, E, E], [N, E, E]), sizes)
        fatal = np.repeat(np.array([0, 1 << N, (1 << N) | (1 << U)], np.uint8), sizes)
        kind = np.repeat(np.array([0, 2, 1], np.int8), sizes)
        ends_rec = np.repeat(np.array([True, False, False]), sizes)
        order = np.argsort(at, kind="stable")
        at, first, own, fatal, kind, ends_rec = at[order], first[order], own[order], fatal[order], kind[order], ends_rec[order]
    else:
        # a LF ends the record outside quotes; a CR stops the reader, except after a closing quote
        is_cr = np.zeros(lf.size + cr.size, dtype=bool)
        is_cr[np.searchsorted(lf, cr) + np.arange(cr.size)] = True
        at = np.empty(is_cr.size, dtype=np.int64)
        at[~is_cr], at[is_cr] = lf, cr
        first = at
        own = np.where(is_cr, _effect(N, Q, E, E), _effect(N, Q, N, N)).astype(np.uint8)
        fatal = np.where(is_cr, np.uint8(1 << N), np.uint8(0)).astype(np.uint8)
        kind = is_cr.astype(np.int8)
        ends_rec = ~is_cr

    # runs and line breaks never share a byte: place them in one sequence in byte order
    total = qs.size + at.size
    is_brk = np.zeros(total, dtype=bool)
    is_brk[np.searchsorted(qs, at) + np.arange(at.size)] = True
    runs_at = np.flatnonzero(~is_brk)

    def merge(of_runs, of_breaks, dtype):
        out = np.empty(total, dtype=dtype)
        out[runs_at], out[is_brk] = of_runs, of_breaks
        return out

    pos = merge(qs, at, np.int64)
    ends_rec = merge(False, ends_rec, bool)
    gap = np.full(total, IDENTITY, dtype=np.uint8)
    # the bytes between tokens matter only after a quote run or a line break that ends no record (where
    # U or E can be met): a delimiter ends a closed field and an error (-> N); after a closing quote,
    # spaces keep U and anything else is an error until the next delimiter (E)
    need = np.concatenate(([True], ~ends_rec[:-1]))[:total]
    if need.any():
        gap_to = merge(qs, first, np.int64)[need]
        gap_from = np.concatenate(([start], merge(qe, at + 1, np.int64)[:-1]))[need]
        size = gap_to - gap_from
        one = arr[np.minimum(gap_from, arr.size - 1)]
        has_comma = (size == 1) & (one == COMMA)
        only_spaces = (size == 0) | ((size == 1) & (one == SPACE))
        long = np.flatnonzero(size > 1)
        if long.size:
            commas, spaces = np.flatnonzero(arr == COMMA), np.flatnonzero(arr == SPACE)
            a, b = gap_from[long], gap_to[long]
            has_comma[long] = np.searchsorted(commas, b) > np.searchsorted(commas, a)
            only_spaces[long] = np.searchsorted(spaces, b) - np.searchsorted(spaces, a) == b - a
        gap[need] = _effect(N, Q, np.where(only_spaces, U, np.where(has_comma, N, E)), np.where(has_comma, N, E))
    return pos, gap, merge(run, own, np.uint8), ends_rec, merge(0, fatal, np.uint8), merge(0, kind, np.int8)


@dataclass
class Numbering:
    """The records of a file as the reader numbers them (`line`: header = 1, blank lines counted, quoted
    line breaks not), placed on physical lines. `rejected_number`, `rejected_line`, `rejected_bytes`,
    `rejected_fields`: each record the reader rejected, its physical line, its length in bytes (line break
    excluded) and its number of fields (delimiters outside quotes + 1). The loaded records (every other
    record after the header, in file order, k = 1, 2, ...) are on line k + 1 + delta, delta being that of
    the last step (`step_k`, `step_delta`) with step_k <= k, 0 before the first. `records` counts the
    records after the header, `loaded` those not rejected."""
    rejected_number: np.ndarray
    rejected_line: np.ndarray
    rejected_bytes: np.ndarray
    rejected_fields: np.ndarray
    step_k: np.ndarray
    step_delta: np.ndarray
    records: int
    loaded: int


class _Numbered:
    """Numbers the segments (header, records, blank lines) of each chunk as they are found."""

    def __init__(self, rejected: list[int]):
        self.rejected = np.array(sorted(set(rejected)), dtype=np.int64)
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in ("number", "line", "bytes", "fields", "k", "delta")}
        self.segments = self.records = self.loaded = self.delta = 0

    def add(self, lines: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Number the next segments; returns which of them are rejected records."""
        number = self.segments + 1 + np.arange(lines.size)
        record = (lengths > 0) & (number > 1)
        rejected = record & np.isin(number, self.rejected)
        loaded = record & ~rejected
        self.parts["number"].append(number[rejected])
        self.parts["line"].append(lines[rejected])
        self.parts["bytes"].append(lengths[rejected])
        k = self.loaded + np.cumsum(loaded)[loaded]
        shift = lines[loaded] - k - 1
        change = np.flatnonzero(np.diff(np.concatenate(([self.delta], shift))) != 0)
        self.parts["k"].append(k[change])
        self.parts["delta"].append(shift[change])
        if shift.size:
            self.delta = int(shift[-1])
        self.segments += lines.size
        self.records += int(record.sum())
        self.loaded += int(loaded.sum())
        return rejected

    def result(self) -> Numbering:
        cat = {k: np.concatenate(v + [np.zeros(0, np.int64)]).astype(np.int64) for k, v in self.parts.items()}
        return Numbering(cat["number"], cat["line"], cat["bytes"], cat["fields"], cat["k"], cat["delta"],
                         self.records, self.loaded)


def _delimiters(arr: np.ndarray, pos: np.ndarray, after: np.ndarray, state: int, lo: np.ndarray,
                hi: np.ndarray) -> np.ndarray:
    """Delimiters outside quotes in each byte range [lo, hi) of the chunk."""
    commas = lo.min(initial=arr.size) + np.flatnonzero(arr[lo.min(initial=arr.size):hi.max(initial=0)] == COMMA)
    token = np.searchsorted(pos, commas) - 1
    states = np.full(commas.size, state, dtype=np.uint8)
    states[token >= 0] = after[token[token >= 0]]
    outside = commas[states != Q]
    return np.searchsorted(outside, hi) - np.searchsorted(outside, lo)


def number_records(f: LandingFile, rejected: list[int]) -> Numbering:
    """Scan the file's bytes (see the module) and place its records on physical lines. `rejected` are the
    reader's numbers (`line`) of the records it rejected; every other record after the header was loaded,
    in file order. Refuses the file, naming the line, where a CR or LF outside quotes stops the reader."""
    out = _Numbered(rejected)
    state, crlf = N, None
    seg_start, seg_line = 0, 1  # the segment in progress: its first byte and physical line
    carried = 0                 # its delimiters outside quotes in the chunks before
    base = lfs_before = 0
    tail = b""
    for chunk in _chunks(f):
        arr = np.frombuffer(chunk, dtype=np.uint8)
        lf, cr = np.flatnonzero(arr == LF), np.flatnonzero(arr == CR)
        if crlf is None:  # the file's line break is that of its first line
            brk = min(lf[0] if lf.size else arr.size, cr[0] if cr.size else arr.size)
            crlf = bool(brk + 1 < arr.size and arr[brk] == CR and arr[brk + 1] == LF)
        start = 3 if base == 0 and chunk.startswith(b"\xef\xbb\xbf") else 0
        pos, gap, own, ends, fatal, kind = _tokens(arr, lf, cr, start, crlf)
        after = (_prefix(COMPOSE[own, gap]) >> (2 * state)) & 3
        before = np.concatenate(([state], after[:-1])).astype(np.uint8)
        met = (gap >> (2 * before)) & 3  # the state in which each token is met
        dead = np.flatnonzero((fatal >> met) & 1)
        if dead.size:
            i = dead[0]
            line = lfs_before + int(np.searchsorted(lf, pos[i])) + 1
            raise ContractError(f"{f.source_file}: line {line}: "
                                f"{LF_IN_CRLF_FILE if kind[i] == 2 else CR_OUTSIDE_QUOTES}; the file is "
                                "refused whole (its records cannot be told apart)")
        ends_at = pos[ends & (met != Q)]
        if ends_at.size:
            lf_index = lfs_before + np.searchsorted(lf, ends_at)
            starts = np.concatenate(([seg_start], base + ends_at[:-1] + 1))
            stops = base + ends_at - (1 if crlf else 0)
            rejected_here = out.add(np.concatenate(([seg_line], lf_index[:-1] + 2)), stops - starts)
            if rejected_here.any():
                lo = np.maximum(starts[rejected_here] - base, 0)
                fields = _delimiters(arr, pos, after, state, lo, stops[rejected_here] - base) + 1
                fields[0] += carried if rejected_here[0] else 0
                out.parts["fields"].append(fields)
            seg_start, seg_line, carried = base + int(ends_at[-1]) + 1, int(lf_index[-1]) + 2, 0
        rest = np.array([max(seg_start - base, 0)])
        carried += int(_delimiters(arr, pos, after, state, rest, np.array([arr.size]))[0]) if rest[0] < arr.size else 0
        if after.size:
            state = int(after[-1])
        base += arr.size
        lfs_before += lf.size
        tail = chunk[-2:]
    if base > seg_start:  # a last record with no line break after it, or one left inside quotes
        trailing = 2 if tail == b"\r\n" else 1 if tail.endswith(b"\n") else 0
        if out.add(np.array([seg_line]), np.array([base - seg_start - trailing])).any():
            out.parts["fields"].append(np.array([carried + 1]))
    return out.result()
