"""The names of the Parquet table's files in a release: one file, articles.parquet, or past
SHARD_BYTES, shards in data/ named as Hugging Face names them. Kept apart from
parquet.py (which imports pyarrow) for the modules that only name the files.
"""

from __future__ import annotations

from collections.abc import Iterable

# A shard closes before the row group that would take it past this many bytes (about
# 280,000 records of the benchmark's corpus); read when a table is written, so a test may
# lower it.
SHARD_BYTES = 256 << 20
PARQUET = "articles.parquet"  # the Parquet table, when it is one file


def parquet_name(shard: int, shards: int) -> str:
    """The file of a shard of the Parquet table: PARQUET when it is the only one, else
    data/articles-00000-of-00003.parquet and so on (the Hugging Face convention)."""
    return PARQUET if shards == 1 else f"data/articles-{shard:05d}-of-{shards:05d}.parquet"


def parquet_names(files: Iterable[str]) -> list[str]:
    """The Parquet table's files among `files`, in shard order."""
    return sorted(name for name in files if name.endswith(".parquet"))


def parquet_pattern(files: Iterable[str]) -> str:
    """A path or glob that names all the Parquet table's files, for the card's examples."""
    names = parquet_names(files)
    return names[0] if len(names) == 1 else "data/articles-*.parquet"
