"""The human-facing files of a release: CHANGELOG.md, CITATION.cff (CFF 1.2.0) and the
README.md dataset card. Plain text from the plan; no clock, no environment."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import shards
from .config import Settings
from .dataset import Summary, list_fields
from .rows import CSV_LINE_END, LIST_DELIMITER
from .schema import field_names, required_fields
from .schema_diff import schema_groups
from .versioning import Change

if TYPE_CHECKING:
    from .release import ReleasePlan

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
HEADINGS = {"added": "Added", "changed": "Changed", "removed": "Removed"}


def md(text: str) -> str:
    """Text as literal Markdown inline content (one line)."""
    return md_lines([text])[0]


def md_lines(texts: Iterable[str]) -> list[str]:
    """md() of each text, escaped in one pass over them all (a first release of a large
    archive lists every record: a pass per title took a second at 100,000)."""
    items = [" ".join(text.split()) for text in texts]  # no item keeps a \n
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "\n".join(items)).split("\n") if items else []


def changelog(plan: ReleasePlan, settings: Settings) -> str:
    lines = [f"# {md(settings.title)} {plan.version}", ""]
    if plan.previous is None:
        lines.append(f"Released {plan.date}. First release: {plan.records} records.")
    else:
        lines.append(
            f"Released {plan.date}. Changes since {plan.previous.version} "
            f"({plan.previous.date}), a {plan.bump} release ({plan.reason})."
        )
    counts = ", ".join(f"{plan.count(op)} {op}" for op in HEADINGS)
    lines += ["", f"{plan.records} records: {counts}."]
    for op, heading in HEADINGS.items():
        changes = [c for c in plan.changes if c.op == op]
        if changes:
            lines += ["", f"## {heading}", ""]
            titles = md_lines(c.title for c in changes)
            lines += [f"- `{c.id}` {t}{_fields(c)}" for c, t in zip(changes, titles, strict=True)]
    if plan.schema_change.reasons:
        lines += ["", "## Schema", ""]
        lines += _schema_lines(plan)
    lines += [
        "",
        "Record-level detail (sha256 of each record's canonical JSON line before and after, "
        "and the fields of each changed record that changed) is in `changes.jsonl`.",
        "",
    ]
    return "\n".join(lines)


def _fields(change: Change) -> str:
    if change.fields is None:
        return ""
    if not change.fields:
        return " (no field changed: only its canonical form)"
    return f" (changed: {', '.join(f'`{name}`' for name in change.fields)})"


def _schema_lines(plan: ReleasePlan) -> list[str]:
    """Each kind of schema change once, with its step and every field it is on."""
    groups = schema_groups(plan.schema_change.findings)
    if not groups:  # only annotations
        return [f"- {md(reason)} (patch)" for reason in plan.schema_change.reasons]
    lines = []
    for group in groups:
        fields = [
            f"`{f.field}`" + (f" ({md(f.detail)})" if f.detail else "")
            for f in group.findings
            if f.field
        ]
        listed = f": {', '.join(fields)}" if fields else ""
        lines.append(f"- {md(group.reason)} ({group.level}){listed}")
    return lines


def _yaml(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def citation(plan: ReleasePlan, settings: Settings) -> str:
    url = settings.url(f"releases/v{plan.version}/")
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below."',
        "type: dataset",
        f"title: {_yaml(settings.title)}",
        f"abstract: {_yaml(settings.description)}",
        f"version: {_yaml(str(plan.version))}",
        f"date-released: {_yaml(plan.date.isoformat())}",
        f"url: {_yaml(url)}",
        "identifiers:",
        "  - type: other",
        f"    value: {_yaml(settings.tag(f'dataset:v{plan.version}'))}",
        '    description: "Data Package id of this release"',
        "authors:",
        f"  - name: {_yaml(settings.title)}",
        f"    email: {_yaml(settings.contact)}",
        f"    website: {_yaml(settings.base_url)}",
        "keywords:",
        '  - "news"',
        '  - "articles"',
        '  - "fair use"',
    ]
    if re.fullmatch(r"[-A-Za-z0-9.+]+", settings.license):
        lines.append(f"license: {_yaml(settings.license)}")
    return "\n".join(lines) + "\n"


def _field_rows(package: dict[str, Any]) -> list[str]:
    csv_resource = next(r for r in package["resources"] if r["format"] == "csv")
    fields = {field["name"]: field for field in csv_resource["schema"]["fields"]}
    rows = ["| # | field | type | required | description |", "|---|---|---|---|---|"]
    for number, name in enumerate(field_names(), 1):
        field = fields[name]
        kind = "list of string" if field["type"] == "list" else field["type"]
        required = "yes" if name in required_fields() else ""
        rows.append(f"| {number} | `{name}` | {kind} | {required} | {md(field['description'])} |")
    return rows


def _disclaimers(plan: ReleasePlan, summary: Summary) -> list[str]:
    ranked = sorted(summary.disclaimers, key=lambda item: (-item[1], item[0]))
    quoted = []
    for text, count in ranked[:3]:
        quoted += ["", f"Carried by {count} of {plan.records} records:", ""]
        quoted += ["> " + line if line else ">" for line in text.split("\n")]
    if len(ranked) > 3:
        quoted += ["", f"{len(ranked) - 3} other wordings are in the records' `disclaimer` field."]
    return quoted


def readme(plan: ReleasePlan, settings: Settings, package: dict[str, Any], summary: Summary) -> str:
    """The dataset card, README.md: a section at a time, each a list of lines."""
    table = shards.parquet_names(resource["path"] for resource in package["resources"])
    lines = [
        *front_matter(plan, settings, table),
        *_readme_head(plan, settings),
        *_readme_files(table),
        *_readme_licence(plan, settings, summary),
        "",
        "## Fields",
        "",
        "Column order of `articles.csv`, and the keys of every JSON record:",
        "",
        *_field_rows(package),
        *_readme_csv(),
        *_readme_loading(table),
    ]
    return "\n".join(lines)


# Hugging Face's license ids are lower-case SPDX ids; these are the data licences among them.
HF_LICENSES = frozenset(
    ("cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0",
     "cc-by-nc-nd-4.0", "cc-by-3.0", "cc-by-sa-3.0", "cc0-1.0", "odc-by", "odbl", "pddl",
     "mit", "apache-2.0", "gpl-3.0", "unlicense")
)  # fmt: skip
# Hugging Face's size buckets: (upper bound, name); past the last, "100M<n<1B".
SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
         (100_000_000, "10M<n<100M"))  # fmt: skip


def size_category(records: int) -> str:
    return next((name for bound, name in SIZES if records < bound), "100M<n<1B")


def front_matter(plan: ReleasePlan, settings: Settings, table: Sequence[str]) -> list[str]:
    """The card's YAML header, which the Hugging Face Hub and `datasets` read: the Parquet
    file(s) `table` as the one split, so `load_dataset("<release folder>")` loads exactly
    the records (without it, every JSON file in the folder would be read as one table). No
    task category: the archive is not made for one task."""
    license_id = settings.license.lower()
    licence = [f"license: {_yaml(license_id)}"]
    if license_id not in HF_LICENSES:
        licence = ['license: "other"', f"license_name: {_yaml(settings.license)}"]
    return [
        "---",
        *licence,
        f"pretty_name: {_yaml(settings.title)}",
        "language:",
        f"  - {_yaml(settings.language.split('-')[0].lower())}",
        "size_categories:",
        f"  - {_yaml(size_category(plan.records))}",
        "tags:",
        *(f"  - {_yaml(tag)}" for tag in ("news", "articles", "fair-use", "attribution")),
        "configs:",
        '  - config_name: "default"',
        "    data_files:",
        '      - split: "train"',
        f"        path: {_yaml(shards.parquet_pattern(table))}",
        "---",
        "",
    ]


def _readme_head(plan: ReleasePlan, settings: Settings) -> list[str]:
    return [
        f"# {md(settings.title)}: dataset release {plan.version}",
        "",
        md(settings.description),
        "",
        f"- version: {plan.version}, released {plan.date}",
        f"- records: {plan.records} articles (one row each), sorted by `id`",
        f"- licence of the compilation: {md(settings.license)}",
        f"- contact: {md(settings.contact)}",
        "- what changed: `CHANGELOG.md`, `changes.jsonl`; how to cite: `CITATION.cff`",
    ]


def _readme_files(table: Sequence[str]) -> list[str]:
    what = "the records as a typed table: lists as lists, dates as dates"
    if len(table) > 1:
        what = f"{what}; {len(table)} shards of at most about {shards.SHARD_BYTES >> 20} MB, by id"
    return [
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        f"| `{shards.parquet_pattern(table)}` | {what} |",
        "| `articles.jsonl.gz` | one JSON record per line, canonical: sorted by id, sorted keys, "
        "LF; gzip |",
        "| `articles.csv` | the same records as CSV (see below) |",
        "| `articles.spreadsheet.csv` | the same table for spreadsheets (see below) |",
        "| `articles.schema.json` | the JSON Schema (Draft 2020-12) every record conforms to |",
        "| `datapackage.json` | Frictionless Data Package v2: Table Schemas, hashes, sizes |",
        "| `croissant.json` | MLCommons Croissant 1.1 (JSON-LD) for ML tools: the fields, their "
        "types, the data files' hashes |",
        "| `CHANGELOG.md`, `changes.jsonl` | what changed since the previous release |",
        "| `delta/` | from the previous release to this one: `added.jsonl.gz`, "
        "`changed.jsonl.gz` (new versions), `removed.jsonl` (ids); not in a first release |",
        "| `CITATION.cff` | citation metadata (Citation File Format 1.2.0) |",
        "| `.zenodo.json` | Zenodo deposit metadata (read by Zenodo's GitHub integration; the "
        "`metadata` of a deposit made through its API) |",
        "| `SHA256SUMS` | checksums of every other file: `sha256sum -c SHA256SUMS` |",
        "",
        "The data files hold the same records, sorted by `id`. The line file is compressed "
        "(about a seventh of its size) and no single JSON array is published: at this size a "
        "one-document JSON file is what tools fail to load.",
    ]


def _readme_licence(plan: ReleasePlan, settings: Settings, summary: Summary) -> list[str]:
    return [
        "",
        "## Licence and fair use",
        "",
        f"The compilation (selection, arrangement, metadata) is released under "
        f"{md(settings.license)}. "
        "The articles themselves are not: each keeps its own copyright, named in the record "
        "(`copyright_holders`, `copyright_year`, `copyright_notice`), and its original "
        "publisher (`original_source`). The articles are republished under the provisions of "
        '"fair use" for research and educational purposes; every record carries the fair-use '
        "notice it was published with (`disclaimer`). Keep the attribution and the notice with "
        "any article you reuse, and ask the copyright owner before uses other than fair use.",
        *_disclaimers(plan, summary),
    ]


def _readme_csv() -> list[str]:
    lists = ", ".join(f"`{name}`" for name in list_fields())
    line_end = "CRLF" if CSV_LINE_END == "\r\n" else "LF"
    return [
        "",
        "## CSV format",
        "",
        f"RFC 4180: UTF-8 without a byte-order mark, comma-separated, a header row, rows ending "
        f'in {line_end}. Values containing a comma, a quote or a line break are quoted with `"` '
        "(a quote inside is doubled); line breaks inside values are kept as LF. List fields "
        f"({lists}) are joined with `{LIST_DELIMITER}`; the schema refuses `{LIST_DELIMITER}` "
        "inside a list item, so splitting on it is exact. An empty cell is null (or an empty "
        "list): no text field is ever an empty string.",
        "",
        "`articles.csv` is lossless, so it is **not** spreadsheet-hardened: a cell may start "
        "with `=`, `+`, `-`, `@`, a tab or a carriage return, which a spreadsheet can run as a "
        "formula. To open the table in Excel, LibreOffice or Google Sheets, use "
        "`articles.spreadsheet.csv` instead: the same rows, UTF-8 with a byte-order mark, and "
        "every such cell prefixed with an apostrophe (`'`) so it shows as text. That file is "
        "for reading only; it is not part of the data package and does not round-trip.",
    ]


def _readme_loading(table: Sequence[str]) -> list[str]:
    lists = ", ".join(repr(n) for n in list_fields())
    files = shards.parquet_pattern(table)
    folder = "data" if len(table) > 1 else files  # pandas reads a folder's shards in order
    return [
        "",
        "## Loading",
        "",
        "pandas, polars, Hugging Face `datasets`:",
        "",
        "```python",
        "import pandas as pd",
        "",
        f'df = pd.read_parquet("{folder}")',
        'lines = pd.read_json("articles.jsonl.gz", lines=True, dtype=False)  # lists stay lists',
        'csv = pd.read_csv("articles.csv", dtype=str, keep_default_na=False)  # exact text',
        f"for name in [{lists}]:",
        f'    csv[name] = csv[name].map(lambda s: s.split("{LIST_DELIMITER}") if s else [])',
        "",
        "import polars as pl",
        "",
        f'frame = pl.read_parquet("{files}")',
        "",
        "from datasets import load_dataset",
        "",
        f'articles = load_dataset("parquet", data_files="{files}", split="train")',
        '# or, from anywhere: load_dataset("path/to/this/folder", split="train")',
        "```",
        "",
        "DuckDB:",
        "",
        "```sql",
        f"SELECT * FROM '{files}';",
        "SELECT * FROM read_json('articles.jsonl.gz', format = 'newline_delimited');",
        "",
        "SELECT * REPLACE (string_split(authors, ';') AS authors)",
        "FROM read_csv('articles.csv', header = true, all_varchar = true);",
        "```",
        "",
        "A shell: `zcat articles.jsonl.gz | jq -r .title`.",
        "",
        "Up to date from the previous release: drop the ids in `delta/removed.jsonl` and "
        "those in `delta/changed.jsonl.gz`, then add the records of `delta/added.jsonl.gz` "
        "and `delta/changed.jsonl.gz`.",
        "",
        "frictionless checks the JSON Lines and CSV files against their Table Schema, and the "
        "sha256 hash and size of every data file (the `json` extra reads the JSON Lines file; "
        "a plain `pip install frictionless` cannot):",
        "",
        "```sh",
        'pip install "frictionless[json]"',
        "frictionless validate datapackage.json",
        "```",
        "",
    ]
