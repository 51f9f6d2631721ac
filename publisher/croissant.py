"""croissant.json: the release described as an MLCommons Croissant 1.1 dataset (JSON-LD),
so that ML tooling (mlcroissant, TFDS, PyTorch, dataset search engines) finds, checks and
loads it without reading the card.

One RecordSet, "articles", read from the Parquet table (articles.parquet, or past
shards.SHARD_BYTES a FileSet of its shards in data/, each shard also a FileObject with its
hash): a Field per record field, in schema order, typed as the table stores it
(parquet.arrow_schema): strings as sc:Text, dates as sc:Date, the year as sc:Integer, lists
as arrays of their item type. Descriptions come from the article schema; the fields that
carry an article's attribution say so. The data files are named with the sizes and hashes
written in SHA256SUMS.

Settings and the release in, bytes out: no clock, no environment; keys in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from .config import Settings
from .dataset import KEYWORDS, Stored, dataset_name, license_entry
from .parquet import arrow_schema
from .schema import article_schema, field_names
from .shards import PARQUET, parquet_names, parquet_pattern

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
RECORD_SET = "articles"
TABLE = PARQUET  # the file the records are read from (when the table is one file)
SHARDS = "articles-parquet-shards"  # the FileSet they are read from (when it is several)

# The JSON-LD context of Croissant 1.1, as mlcroissant 1.1 writes it (core.rdf.make_context).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# The data files a Croissant reader can load: name, encodingFormat, description. The
# encodingFormats are those mlcroissant reads (it detects the gzip by its magic bytes).
DISTRIBUTION = (
    (TABLE, "application/x-parquet",
     "The records as an Apache Parquet table (zstd): lists as lists, dates as dates."),
    ("articles.jsonl.gz", "application/jsonlines",
     "The same records, one canonical JSON object a line (sorted by id), gzip-compressed."),
)  # fmt: skip

# Fields that name where an article comes from and who holds its rights.
ATTRIBUTION = frozenset(
    ("original_source", "original_source_url", "authors", "copyright_holders",
     "copyright_year", "copyright_notice", "disclaimer", "publisher", "source_name")
)  # fmt: skip

FAIR_USE = (
    "The compilation (selection, arrangement, metadata) is licensed under {license}. The "
    "articles themselves are not: each keeps its own copyright, named in its record "
    "(copyright_holders, copyright_year, copyright_notice), and its original publisher "
    "(original_source). They are republished under the provisions of fair use for research "
    "and educational purposes; every record carries its fair-use notice (disclaimer). Keep "
    "the attribution and the notice with any article you reuse."
)


def croissant(
    settings: Settings, version: str, date: dt.date, files: Mapping[str, Stored]
) -> dict[str, Any]:
    """The Croissant description of one release. `date` is the release date (never the
    clock); `files` the files written so far (name -> size and hash), the data files
    among them."""
    organisation = {
        "@type": "sc:Organization",
        "name": settings.title,
        "email": settings.contact,
        "url": settings.base_url,
    }
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": dataset_name(settings),
        "alternateName": settings.title,
        "description": settings.description,
        "version": version,
        "datePublished": date.isoformat(),
        "url": settings.url(f"releases/v{version}/"),
        "identifier": settings.tag(f"dataset:v{version}"),
        "license": license_url(settings.license),
        "copyrightNotice": FAIR_USE.format(license=settings.license),
        "creator": organisation,
        "publisher": organisation,
        "citeAs": cite_as(settings, version, date),
        "keywords": list(KEYWORDS),
        "inLanguage": settings.language,
        "isLiveDataset": False,
        "distribution": distribution(files),
        "recordSet": [record_set(_table_source(files))],
    }


def croissant_bytes(
    settings: Settings, version: str, date: dt.date, files: Mapping[str, Stored]
) -> bytes:
    """croissant.json: the description indented by 2, UTF-8, a final line feed."""
    document = croissant(settings, version, date, files)
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def license_url(license_id: str) -> str:
    """The licence's SPDX page, or its text when it is no SPDX id (as datapackage.json)."""
    entry = license_entry(license_id)
    return entry.get("path") or entry["title"]


def _bibtex(text: str) -> str:
    """Text as a braced BibTeX value: one line, LaTeX's special characters escaped and
    braces dropped (BibTeX counts them, escaped or not)."""
    text = " ".join(text.replace("{", "").replace("}", "").split())
    return re.sub(r"([&%$#_])", r"\\\1", text)


def cite_as(settings: Settings, version: str, date: dt.date) -> str:
    """A BibTeX entry for the release, from what CITATION.cff says of it: its title,
    author (the organisation, braced so that it is not split into names), version,
    release date, url and identifier."""
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"{dataset_name(settings)}_{version}").strip("_")
    identifier = settings.tag(f"dataset:v{version}")
    fields = (
        ("title", "{" + _bibtex(settings.title) + "}"),
        ("author", "{" + _bibtex(settings.title) + "}"),
        ("version", version),
        ("year", str(date.year)),
        ("date", date.isoformat()),
        ("url", settings.url(f"releases/v{version}/")),  # verbatim in BibTeX
        ("note", _bibtex(f"Dataset release {version}, {identifier}")),
    )
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def distribution(files: Mapping[str, Stored]) -> list[dict[str, Any]]:
    """A cr:FileObject for each data file a reader loads, with its size and sha256; for a
    table in shards, one per shard and the cr:FileSet the records are read from."""
    objects = []
    for name, media_type, description in DISTRIBUTION:
        names = parquet_names(files) if name == TABLE else [name]
        for one in names:
            objects.append(_file_object(one, media_type, description, files[one]))
        if len(names) > 1:
            objects.append(
                {
                    "@type": "cr:FileSet",
                    "@id": SHARDS,
                    "name": SHARDS,
                    "description": f"{description} In {len(names)} shards, by id.",
                    "encodingFormat": media_type,
                    "includes": parquet_pattern(files),  # relative to this file's folder
                }
            )
    return objects


def _file_object(name: str, media_type: str, description: str, stored: Stored) -> dict[str, Any]:
    return {
        "@type": "cr:FileObject",
        "@id": name,
        "name": name,
        "description": description,
        "contentUrl": name,  # relative to the release folder, where this file is
        "encodingFormat": media_type,
        "contentSize": f"{stored.size} B",
        "sha256": stored.sha256,
    }


def _table_source(files: Mapping[str, Stored]) -> dict[str, Any]:
    """Where the record set's fields are read from: the table's file, or its FileSet."""
    if len(parquet_names(files)) > 1:
        return {"fileSet": {"@id": SHARDS}}
    return {"fileObject": {"@id": TABLE}}


def _data_type(kind: pa.DataType) -> str:
    if pa.types.is_date32(kind):
        return "sc:Date"
    if pa.types.is_integer(kind):
        return "sc:Integer"
    if pa.types.is_string(kind):
        return "sc:Text"
    raise ValueError(f"no Croissant dataType for the Parquet type {kind}")


def field_description(name: str) -> str:
    """The schema's description of the field; "Attribution: " before it when the field
    names the article's source or rights holders."""
    text: str = article_schema()["properties"][name]["description"]
    return f"Attribution: {text}" if name in ATTRIBUTION else text


def record_field(column: pa.Field, table: Mapping[str, Any]) -> dict[str, Any]:
    """The cr:Field of one column of the Parquet table (a list column: an array), read
    from `table` (_table_source)."""
    kind = column.type
    field: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{RECORD_SET}/{column.name}",
        "name": column.name,
        "description": field_description(column.name),
    }
    if pa.types.is_list(kind):
        field.update(dataType=_data_type(kind.value_type), isArray=True, arrayShape="-1")
    else:
        field["dataType"] = _data_type(kind)
    field["source"] = {**table, "extract": {"column": column.name}}
    return field


def record_set(table: Mapping[str, Any]) -> dict[str, Any]:
    """The records: one Field per record field, in schema order; `id` the key."""
    schema = arrow_schema()
    if tuple(schema.names) != field_names():
        raise ValueError("the Parquet schema and the article schema name other fields")
    return {
        "@type": "cr:RecordSet",
        "@id": RECORD_SET,
        "name": RECORD_SET,
        "description": "One record per republished article, sorted by id.",
        "key": {"@id": f"{RECORD_SET}/id"},
        "field": [record_field(column, table) for column in schema],
    }
