"""Gzip made as a stream of chunks (articles.jsonl.gz and the delta files of a release), and
read back.

Through python-isal (Intel's ISA-L): the gzip format every tool reads (`zcat`, pandas,
polars, DuckDB), several times faster than zlib at its default level, at level 2 a little
smaller than zlib's level 1 (benchmarks/spike-issue17.md). The header carries no name and
no time; and ISA-L's output depends on how its input is cut, so it is fed blocks of BLOCK
bytes whatever the chunks: the same bytes in give the same bytes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

from isal import igzip, isal_zlib

LEVEL = 2
BLOCK = 1 << 20
_GZIP = 31  # wbits: deflate in a gzip wrapper (header and CRC-32 trailer)


def gzip_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks gzip-compressed, as one gzip member: a chunk out (perhaps empty) for each
    chunk in, so that files made side by side from one stream go at the same pace."""
    compressor = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, _GZIP)
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        whole = len(pending) - len(pending) % BLOCK
        if not whole:
            yield b""
            continue
        with memoryview(pending) as view:
            blocks = [compressor.compress(view[at : at + BLOCK]) for at in range(0, whole, BLOCK)]
        del pending[:whole]
        yield b"".join(blocks)
    yield compressor.compress(pending) + compressor.flush()


def open_maybe_gzipped(path: Path) -> BinaryIO:
    """A file to read (and seek forward in), decompressed if its name ends in .gz."""
    if path.suffix == ".gz":
        return cast(BinaryIO, igzip.open(path, "rb"))  # type: ignore[no-untyped-call]
    return path.open("rb")
