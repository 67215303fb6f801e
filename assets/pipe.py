"""Length-prefixed pickles over a pipe: how `arrears run` speaks to its worker processes (the GX worker,
checks/gx_worker.py, and the workbook writer, dashboards/workbook_writer.py). Standard library only, so a
worker that imports it stays light."""

from __future__ import annotations

import pickle
import struct


def send(stream, obj) -> None:
    """Write `obj` to `stream` as an 8-byte little-endian length and its pickle, and flush."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def receive(stream):
    """Read one object `send` wrote; EOFError when the other end closed its pipe."""
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("the other process closed its pipe")
    (size,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(size))
