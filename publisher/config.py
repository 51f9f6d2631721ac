"""Site settings from `[tool.publisher]` in pyproject.toml (or a given TOML file), with
defaults; and the options of one run (folders, settings, quietness)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from .problems import UsageError

Canonical = Literal["self", "original"]


@dataclass(frozen=True)
class Settings:
    """What the published output says about itself. Every field can be set in [tool.publisher]."""

    title: str = "Republished Articles Archive"
    description: str = "Republished news and opinion articles with source attribution."
    base_url: str = "https://archive.example.org"
    language: str = "en"
    license: str = "CC-BY-4.0"
    contact: str = "editors@archive.example.org"
    # Authority part of tag: URIs (RFC 4151). Feed and entry ids are built from it, so it
    # must never change once published; it is a setting of its own, not derived from base_url.
    tag_authority: str = "archive.example.org,2026"
    items_per_feed: int = 50
    items_per_page: int = 50  # articles per list page (landing, topic and archive pages)
    # Topics of each kind the landing page lists, most articles first; every topic of a kind
    # is on its index page (topics/author/, ...).
    topics_on_landing: int = 20
    # Which URL an article page names as canonical: "self" (its own) or "original" (the
    # original publication's, when the record knows it; else its own).
    canonical: Canonical = "self"
    # Ask search engines not to index article pages (a site that must not compete with
    # the originals): `<meta name="robots" content="noindex">`, and no sitemap entries.
    noindex_republished: bool = False
    # A WebSub hub that subscription feeds name (rel="hub"), so readers can be told of new
    # entries instead of polling; None: no hub. Publishing to it is the host's job.
    websub_hub: str | None = None

    def url(self, path: str) -> str:
        """Absolute URL of a path under the site root."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def tag(self, specific: str) -> str:
        return f"tag:{self.tag_authority}:{specific}"

    def canonical_url(self, page: str, original: str | None) -> str:
        """The canonical URL of an article page (site path `page`) whose original
        publication is at `original` (None: not known)."""
        if self.canonical == "original" and original:
            return original
        return self.url(page)


CHOICES = {"canonical": get_args(Canonical)}  # settings that take one of a few words
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_TAG_AUTHORITY = re.compile(r"^[A-Za-z0-9.-]+(?:@[A-Za-z0-9.-]+)?,\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _check(name: str, value: Any, default: Any, source: str) -> Any:
    """Type and shape check of one setting; raise a UsageError that names it."""
    where = f"setting {name!r} in {source}"
    if isinstance(default, bool):  # before int: a bool is an int in Python
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false, not {value!r}")
        return value
    if name == "websub_hub":  # optional (its default is None), so not typed by the default
        return _checked_hub(value, where)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
            raise UsageError(f"{where} must be a whole number from 1 to 10000, not {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where} must be a non-empty string, not {value!r}")
    if name in CHOICES and value not in CHOICES[name]:
        choices = " or ".join(map(repr, CHOICES[name]))
        raise UsageError(f"{where} must be {choices}, not {value!r}")
    if name == "base_url":
        return checked_base_url(value, where)
    if name == "language" and not _LANGUAGE.match(value):
        raise UsageError(f"{where} must be a language tag such as 'en' or 'en-GB', not {value!r}")
    if name == "tag_authority" and not _TAG_AUTHORITY.match(value):
        raise UsageError(f"{where} must look like 'example.org,2026' (RFC 4151), not {value!r}")
    return value


def checked_base_url(value: str, where: str) -> str:
    """`value` without a trailing slash, if it is an absolute http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise UsageError(
            f"{where} must be an absolute http(s) URL such as "
            f"'https://example.org/archive', not {value!r}"
        )
    return value.rstrip("/")


def _checked_hub(value: Any, where: str) -> str | None:
    """An absolute http(s) URL, or None for '' (TOML has no null: an overlay, such as a
    preview's settings, turns a hub off with an empty string)."""
    if value == "":
        return None
    url = value if isinstance(value, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"{where} must be the absolute http(s) URL of a WebSub hub, such as "
            f"'https://hub.example.org/', or '' for none, not {value!r}"
        )
    if parts.fragment or any(c.isspace() for c in url):
        raise UsageError(f"{where} must be a URL without spaces or a #fragment, not {value!r}")
    return url


def settings_from(table: dict[str, Any], source: str, base: Settings | None = None) -> Settings:
    """`base` (default: the defaults) with the settings of `table` in place."""
    defaults = base or Settings()
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise UsageError(
            f"unknown setting(s) {', '.join(map(repr, unknown))} in {source}: "
            f"known settings are {', '.join(sorted(known))}"
        )
    values = {
        name: _check(name, value, getattr(defaults, name), source) for name, value in table.items()
    }
    return replace(defaults, **values)


PROJECT = Path("pyproject.toml")


def load_settings(path: Path | None = None) -> Settings:
    """The defaults, overlaid by ./pyproject.toml's [tool.publisher] when present, overlaid
    by the settings `path` (a TOML file) names: a file given for a preview or a staging
    site need only hold what differs (base_url, say).

    A given file may hold the settings in `[tool.publisher]` or at its top level.
    """
    project = _read(PROJECT, Settings(), explicit=False) if PROJECT.is_file() else Settings()
    if path is None:
        return project
    if not path.is_file():
        raise UsageError(f"config file {str(path)!r} does not exist")
    if PROJECT.is_file() and path.resolve() == PROJECT.resolve():
        return project
    return _read(path, project, explicit=True)


def _read(path: Path, base: Settings, *, explicit: bool) -> Settings:
    """`base` overlaid by the settings in the TOML file `path`."""
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read settings from {str(path)!r}: {exc}") from None
    table = document.get("tool", {}).get("publisher")
    if table is None:
        if explicit and "tool" not in document:
            table = document
        else:
            return base
    if not isinstance(table, dict):
        raise UsageError(f"[tool.publisher] in {str(path)!r} must be a table")
    where = f"{path} [tool.publisher]" if "tool" in document else str(path)
    return settings_from(table, where, base)


@dataclass(frozen=True)
class Options:
    """The options every command shares, resolved once."""

    seeds: Path
    dist: Path
    settings: Settings
    quiet: bool
    config: Path | None = None

    @property
    def protected(self) -> tuple[Path, ...]:
        """What a build must never replace: the seeds and the settings file."""
        return (self.seeds, self.config or Path("pyproject.toml"))

    @property
    def cache(self) -> Path:
        """Incremental cache beside the output (never inside it: dist/ is what we publish)."""
        return self.dist.absolute().parent / ".publisher-cache"
