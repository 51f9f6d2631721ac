"""The snapshot: every seed's verdict in one value of the cache, read in one go on every build.

marshal (it runs no code, and reads many verdicts much faster than JSON) of
tuples in which repeated values (dates, topic lists) are one object, so they are read once.
Valid seeds come in chronological order, so their ArticleRefs are made, and lie in memory,
in the order the plan walks them (faster to walk than in file order).

Verdicts stored one by one (seeds checked since the snapshot was written, or a run killed
before it finished) fill in; the snapshot is rewritten only when many lag behind. This
module is part of the cache's fingerprint.
"""

from __future__ import annotations

import datetime as dt
import marshal
import operator
from collections.abc import Sequence
from typing import Any

from ..model import ArticleRef, make_ref
from .sqlite import Cache

SNAPSHOT = "snapshot"
SNAPSHOT_FORMAT = 3

# A valid seed in the snapshot: key, signature, then its ArticleRef's fields as index_of
# has them (dates in ISO form, topic lists as tuples).
Row = tuple[
    str,
    str,
    str,
    str,
    str,
    str | None,
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    str,
    str,
    str,
]
# A failed seed in the snapshot: key, signature, problems as (line, where, message).
Failed = tuple[str, str, Any]
# Per seed: its ArticleRef (None if invalid), and its problems as (line, where, message)
# sequences (only seeds that have some).
Index = dict[str, ArticleRef | None]
Found = dict[str, Sequence[Sequence[Any]]]


def known_verdicts(
    store: Cache | None, signatures: dict[str, str], index: Index, found: Found
) -> tuple[int, bool]:
    """Fill `index` and `found` with the cached verdicts of the seeds whose signature is
    unchanged. Returns how many seeds the snapshot does not vouch for, and whether it
    names seeds that are gone (then their cache entries are pruned).

    All verdicts are kept as one value, so a build of a large archive reads them with a
    single query; verdicts stored one by one fill in."""
    if store is None:
        return len(signatures), False
    try:
        rows, failed = read_snapshot(store)
        removed = _from_snapshot(rows, failed, signatures, index, found)
    except (TypeError, ValueError, AttributeError):  # not what snapshot_of wrote
        index.clear()
        found.clear()
        removed = True  # the rows of seeds that are gone may be anywhere: prune
    missing = {key: signatures[key] for key in signatures.keys() - index.keys()}
    for key, (value, problems) in store.get_many("seed", missing).items() if missing else ():
        index[key] = None if value is None else ArticleRef.from_index(value, key)
        if problems:
            found[key] = problems
    return len(missing), removed


def _from_snapshot(
    rows: Sequence[Row],
    failed: Sequence[Failed],
    signatures: dict[str, str],
    index: Index,
    found: Found,
) -> bool:
    """Fill `index` and `found` from the snapshot's rows whose signature is unchanged;
    whether it names seeds that are gone."""
    removed = False
    dates: dict[str, dt.date] = {}
    for row in rows:
        (
            key,
            signature,
            article_id,
            title,
            published,
            updated,
            regions,
            themes,
            reports,
            authors,
            original_source,
            digest,
            list_digest,
        ) = row
        if signatures.get(key) != signature:
            removed = removed or key not in signatures
            continue
        day = dates.get(published)
        if day is None:
            day = dates[published] = dt.date.fromisoformat(published)
        later = None
        if updated is not None:
            later = dates.get(updated)
            if later is None:
                later = dates[updated] = dt.date.fromisoformat(updated)
        index[key] = make_ref(
            article_id,
            title,
            day,
            later,
            regions,
            themes,
            reports,
            authors,
            original_source,
            digest,
            key,
            list_digest,
        )
    for key, signature, problems in failed:
        if signatures.get(key) == signature:
            index[key], found[key] = None, problems
        else:
            removed = removed or key not in signatures
    return removed


def read_snapshot(store: Cache) -> tuple[Sequence[Row], Sequence[Failed]]:
    """The valid rows and the failed seeds' (key, signature, problems) of the snapshot;
    nothing when there is none or it is not one (ValueError or TypeError on a damaged one)."""
    data = store.get_raw(SNAPSHOT, [""]).get("")
    if data is None:
        return (), ()
    try:
        value = marshal.loads(data)
    except EOFError as exc:
        raise ValueError("truncated snapshot") from exc
    fmt, rows, failed = value
    if fmt != SNAPSHOT_FORMAT:
        raise ValueError(f"snapshot format {fmt!r}")
    return rows, failed


def store_verdicts(
    store: Cache,
    signatures: dict[str, str],
    index: Index,
    found: Found,
    outdated: int,
    removed: bool,
    slack: int,
) -> None:
    """Rewrite the snapshot (tens of MB for a large archive) only when it lags behind by many
    (more than `slack` seeds, or a tenth of them: a few edited seeds are read from their
    own rows) or names removed seeds; drop the rows of seeds that are gone (some may never
    have been in the snapshot)."""
    if removed or outdated > min(slack, len(signatures) // 10):
        store.put_raw(SNAPSHOT, [("", "", snapshot_of(signatures, index, found))])
    if removed or store.count("seed") > len(signatures):
        store.prune("seed", signatures)
        store.prune("record", signatures)
        store.prune("row", signatures)


def snapshot_of(signatures: dict[str, str], index: Index, found: Found) -> bytes:
    """The snapshot of every seed's verdict. Equal values are made one object first:
    marshal then writes each once and refers back to it."""
    shared: dict[Any, Any] = {}

    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    def names(values: tuple[str, ...]) -> tuple[str, ...]:
        found = shared.get(values)
        if found is None:
            found = shared[values] = tuple(map(one, values))
        return found

    def day(value: dt.date | None) -> str | None:
        return None if value is None else one(value.isoformat())

    valid = [entry for entry in index.values() if entry is not None]
    valid.sort(key=operator.attrgetter("id"))
    valid.sort(key=operator.attrgetter("published"))
    rows = tuple(
        (
            e.source,
            signatures[e.source],
            e.id,
            e.title,
            day(e.published),
            day(e.updated),
            names(e.regions),
            names(e.themes),
            names(e.reports),
            names(e.authors),
            one(e.original_source),
            e.digest,
            e.list_digest,
        )
        for e in valid
    )
    failed = tuple(
        (key, signatures[key], tuple(map(tuple, found.get(key, ()))))
        for key, entry in index.items()
        if entry is None
    )
    return marshal.dumps((SNAPSHOT_FORMAT, rows, failed))
