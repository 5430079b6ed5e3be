"""Exports of the ledger for accounting tools: beancount, hledger, FEC and CSV.

`export_ledger(bind, "beancount", "ledger.beancount")` reads one snapshot of the ledger
(streaming the transfers), writes a temporary file next to the output and renames it
into place, so the output is either complete or untouched. Only posted transfers are
exported: pending, voided and expired holds moved nothing.
"""

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from ledger.exports import beancount, fec, hledger, spreadsheet
from ledger.exports.model import ExportError, Filters, Snapshot
from ledger.exports.snapshot import open_snapshot


@dataclass(frozen=True)
class Format:
    """How one format is written: its writer, encoding and line ends."""

    write: Callable
    encoding: str = "utf-8"
    newline: str | None = "\n"


FORMATS = {
    "beancount": Format(beancount.write),
    "hledger": Format(hledger.write),
    "fec": Format(fec.write, fec.ENCODING),
    # The csv module writes its own line ends.
    "csv": Format(spreadsheet.write, spreadsheet.ENCODING, ""),
}


def export_ledger(bind: Engine | Connection, fmt: str, path: str | os.PathLike, *,
                  currency: str | None = None, member: str | None = None,
                  year: int | None = None,
                  progress: Callable[[Snapshot], Callable[[int], None] | None] | None = None,
                  ) -> dict:
    """Write the ledger to `path` in format `fmt`; return what was written.

    `progress(snapshot)` may return a callback that is told of each transfer written.
    """
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    chosen = FORMATS[fmt]
    filters = Filters(currency=currency, member=member, year=year)
    with open_snapshot(bind, filters) as snapshot:
        tick = progress(snapshot) if progress is not None else None
        with atomic_output(path, chosen.encoding, chosen.newline) as out:
            chosen.write(snapshot, out, tick)
        return {"format": fmt, "path": str(path), "transfers": snapshot.count,
                "accounts": len(snapshot.accounts)}


class atomic_output:  # noqa: N801  (used like open())
    """A text file written under a temporary name and renamed over `path` when complete."""

    def __init__(self, path: str | os.PathLike, encoding: str, newline: str | None):
        self.path = Path(path)
        self.encoding = encoding
        self.newline = newline

    def __enter__(self):
        if self.path.is_dir():
            raise ExportError(f"Cannot write {self.path}: it is a directory.")
        try:
            fd, self.temp = tempfile.mkstemp(prefix=f".{self.path.name}.",
                                             suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise ExportError(f"Cannot write {self.path}: {exc.strerror}.") from exc
        self.file = open(fd, "w", encoding=self.encoding, newline=self.newline,
                         errors="replace")
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            self.file.close()
            if exc_type is None:
                os.replace(self.temp, self.path)
                return False
        except OSError as error:
            raise ExportError(f"Cannot write {self.path}: {error.strerror}.") from error
        finally:
            if os.path.exists(self.temp):
                os.unlink(self.temp)
        return False


__all__ = ["FORMATS", "ExportError", "Filters", "export_ledger"]
