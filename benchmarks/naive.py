"""The plain way to publish the archive: the baseline `publish` is measured against.

    python benchmarks/naive.py --seeds DIR --out DIR

Written the way a careful person would write it in an afternoon, with no handicap: the
project's own loader, parser and Markdown renderer; ONE `Draft202012Validator` (with a
format checker) built once; every Markdown document rendered once; feedgen feeds (RSS
and Atom) holding every entry, for the whole archive and per topic; `json.dump` and
`csv.writer` of every record. No caching, no parallelism, no paging, no incremental work.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator
from jsonschema import Draft202012Validator

from publisher.load import find_seeds, read_seed
from publisher.parse import parse
from publisher.problems import Problem
from publisher.render import markdown_html
from publisher.schema import article_schema
from publisher.topics import slugify

BASE_URL = "https://archive.example.org"
TAG = "tag:archive.example.org,2026:"
TITLE = "Republished Articles Archive"
TOPIC_KINDS = (("region", "regions"), ("theme", "themes"), ("report", "reports"))

Record = dict[str, Any]


def load_records(seeds: Path) -> tuple[list[Record], int]:
    """(valid records, number of invalid files)."""
    validator = Draft202012Validator(
        article_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    records: list[Record] = []
    invalid = 0
    for path in find_seeds(seeds):
        seed = read_seed(path)
        if isinstance(seed, Problem):
            invalid += 1
            continue
        parsed = parse(seed)
        if isinstance(parsed, Problem) or any(validator.iter_errors(parsed.record)):
            invalid += 1
            continue
        records.append(parsed.record)
    return records, invalid


def instant(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def write_feed(
    out: Path, name: str, title: str, records: Sequence[Record], html: dict[str, tuple[str, str]]
) -> None:
    """RSS and Atom documents of `records` (newest first), every entry in one document."""
    fg = FeedGenerator()
    fg.id(f"{TAG}feed/{name}")
    fg.title(title)
    fg.subtitle(f"{title}: republished articles with source attribution.")
    fg.link(href=f"{BASE_URL}/", rel="alternate")
    fg.language("en")
    newest = max(records, key=lambda r: r["updated"] or r["published"])
    fg.updated(instant(newest["updated"] or newest["published"]))
    for record in sorted(records, key=lambda r: (r["published"], r["id"]), reverse=True):
        lead_html, body_html = html[record["id"]]
        fe = fg.add_entry(order="append")
        fe.id(f"{TAG}article/{record['id']}")
        fe.title(record["title"])
        fe.link(href=f"{BASE_URL}/articles/{record['id']}.html")
        fe.published(instant(record["published"]))
        fe.updated(instant(record["updated"] or record["published"]))
        fe.author([{"name": author} for author in record["authors"]])
        fe.category(
            [{"term": term} for _, field in TOPIC_KINDS for term in record[field]],
        )
        if lead_html:
            fe.summary(lead_html, type="html")
        fe.content(body_html, type="html")
        fe.rights(record["copyright_notice"] or record["original_source"])
    out.mkdir(parents=True, exist_ok=True)
    fg.rss_file(str(out / f"{name.replace('/', '-')}.rss"))
    fg.atom_file(str(out / f"{name.replace('/', '-')}.atom"))


def write_json(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(records, handle, ensure_ascii=False, indent=2)


def write_csv(path: Path, records: list[Record]) -> None:
    columns = list(article_schema()["properties"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for record in records:
            writer.writerow(
                ";".join(value) if isinstance(value, list) else value
                for value in (record[column] for column in columns)
            )


def run(seeds: Path, out: Path) -> tuple[int, int]:
    """Publish `seeds` into `out`; return (valid records, invalid files)."""
    records, invalid = load_records(seeds)
    html = {
        record["id"]: (
            markdown_html(record["lead"]) if record["lead"] else "",
            markdown_html(record["body"]),
        )
        for record in records
    }
    feeds = out / "feeds"
    write_feed(feeds, "all", TITLE, records, html)
    # One feed per topic; names that slug alike ('SYRIA', 'Syria') share it.
    topics: dict[tuple[str, str], list[Record]] = defaultdict(list)
    names: dict[tuple[str, str], str] = {}
    for record in records:
        for kind, field in TOPIC_KINDS:
            for term in record[field]:
                key = (kind, slugify(term))
                names[key] = min(names.get(key, term), term)
                members = topics[key]
                if not members or members[-1] is not record:
                    members.append(record)
    for (kind, slug), members in sorted(topics.items()):
        title = f"{TITLE}: {names[(kind, slug)]}"
        write_feed(feeds, f"{kind}/{slug}", title, members, html)
    write_json(out / "articles.json", records)
    write_csv(out / "articles.csv", records)
    return len(records), invalid


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, required=True, help="folder of seed files")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    valid, invalid = run(args.seeds, args.out)
    print(
        f"naive: {valid} records, {invalid} invalid, {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
