"""`.zenodo.json` of a release: Zenodo's legacy deposit metadata. Zenodo reads the file
itself when a release comes from a GitHub repository through its GitHub integration; for a
deposit made on the web or through its API, the same document is the `metadata` to send
(`curl -X PUT …/deposit/depositions/ID -d '{"metadata": …}'`), so nothing is typed by hand.

The fields are those of Zenodo's legacy deposit schema (`legacyrecord.json`, which refuses
any other): a dataset, its title, description, version and publication date (the release
date, never the clock), the compilation's license, and the settings' title as the one
creator, an organisation (no person made the compilation). The fair-use situation goes in
`notes`, as the dataset card says it: the licence covers the compilation, not the
articles. Plain data from the plan and the settings; sorted keys, so the same release
gives the same bytes.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from . import dataset
from .config import Settings
from .dataset import canonical_json_bytes

if TYPE_CHECKING:
    from .release import ReleasePlan

# The datapackage's keywords (dataset.datapackage; tests/test_zenodo.py keeps them equal).
# A license id Zenodo can look up (its vocabulary takes SPDX / Open Definition ids,
# lowercased); anything else is free text, which goes in the notes instead.
_LICENSE_ID = re.compile(r"^[-A-Za-z0-9.+]+$")


def notes(settings: Settings) -> str:
    """Whose rights are whose: the compilation's licence, the articles' own copyright and
    fair use (the dataset card's "Licence and fair use", in one paragraph)."""
    return (
        f"The compilation (selection, arrangement, metadata) is released under "
        f"{settings.license}. The articles themselves are not: each keeps its own copyright, "
        "named in its record (copyright_holders, copyright_year, copyright_notice), and its "
        "original publisher (original_source). The articles are republished under the "
        'provisions of "fair use" for research and educational purposes; every record '
        "carries the fair-use notice it was published with (disclaimer). Keep the "
        "attribution and the notice with any article you reuse, and ask the copyright owner "
        f"before uses other than fair use. Contact: {settings.contact}."
    )


def related(plan: ReleasePlan, settings: Settings) -> list[dict[str, str]]:
    """The version's folder on the site holds the very files of the deposit, byte for byte
    (SHA256SUMS): the deposit isIdenticalTo it, not a supplement to it. The version before
    it, when there is one, is isNewVersionOf (Zenodo's own versioning may link it too)."""
    identifiers = [
        {
            "identifier": settings.url(f"releases/v{plan.version}/"),
            "relation": "isIdenticalTo",
            "scheme": "url",
        }
    ]
    if plan.previous is not None:
        identifiers.append(
            {
                "identifier": settings.url(f"releases/v{plan.previous.version}/"),
                "relation": "isNewVersionOf",
                "scheme": "url",
            }
        )
    return identifiers


def deposit(plan: ReleasePlan, settings: Settings) -> dict[str, Any]:
    """The deposit metadata of the release `plan`."""
    # Zenodo shows the description as HTML: the settings' text is escaped.
    description = (
        f"<p>{html.escape(settings.description, quote=False)}</p>"
        f"<p>Version {plan.version}, released {plan.date.isoformat()}: {plan.records} "
        "records (one article each) as Apache Parquet, gzip-compressed JSON Lines and CSV, "
        "with a Frictionless Data Package (datapackage.json), Croissant metadata "
        "(croissant.json), a changelog and SHA-256 checksums (SHA256SUMS).</p>"
    )
    metadata: dict[str, Any] = {
        "upload_type": "dataset",
        "title": settings.title,
        "description": description,
        "version": str(plan.version),
        "publication_date": plan.date.isoformat(),
        "creators": [{"name": settings.title}],
        "keywords": list(dataset.KEYWORDS),
        "access_right": "open",
        "related_identifiers": related(plan, settings),
        "notes": notes(settings),
    }
    if _LICENSE_ID.match(settings.license):
        metadata["license"] = settings.license.lower()
    return metadata


def zenodo_json(plan: ReleasePlan, settings: Settings) -> bytes:
    """`.zenodo.json`: the deposit metadata, keys sorted, indented by 2, ending in LF."""
    return canonical_json_bytes(deposit(plan, settings), indent=2, newline=True)
