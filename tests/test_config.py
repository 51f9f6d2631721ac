"""Site settings: defaults, [tool.publisher], and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import Settings, load_settings
from publisher.problems import UsageError


def test_defaults_without_pyproject(in_tmp: Path) -> None:
    assert load_settings() == Settings()


def test_reads_tool_publisher(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text(
        '[tool.publisher]\ntitle = "T"\nbase_url = "https://x.org/a/"\nitems_per_feed = 5\n'
    )
    settings = load_settings()
    assert settings.title == "T" and settings.items_per_feed == 5
    assert settings.base_url == "https://x.org/a"  # trailing slash normalised
    assert settings.url("feeds/all.atom") == "https://x.org/a/feeds/all.atom"


def test_pyproject_without_table_uses_defaults(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ('base_url = "example.org"', "base_url"),
        ('base_url = "https://x.org/?q=1"', "base_url"),
        ("items_per_feed = 0", "items_per_feed"),
        ("items_per_feed = true", "items_per_feed"),
        ('items_per_feed = "50"', "items_per_feed"),
        ('language = "english language"', "language"),
        ('title = ""', "title"),
        ("title = 3", "title"),
        ('tag_authority = "example.org"', "tag_authority"),
        ('colour = "red"', "colour"),
        ('canonical = "elsewhere"', "canonical"),
        ('canonical = ""', "canonical"),
        ("canonical = true", "canonical"),
        ('noindex_republished = "yes"', "noindex_republished"),
        ("noindex_republished = 1", "noindex_republished"),
        ("noindex_republished = 0", "noindex_republished"),
        ('websub_hub = "hub.example.org"', "websub_hub"),
        ('websub_hub = "ftp://hub.example.org/"', "websub_hub"),
        ('websub_hub = "https://"', "websub_hub"),
        ('websub_hub = "https://hub.example.org/#top"', "websub_hub"),
        ('websub_hub = "https://hub.example.org/a b"', "websub_hub"),
        ("websub_hub = 3", "websub_hub"),
        ("websub_hub = true", "websub_hub"),
    ],
)
def test_bad_setting_is_named(in_tmp: Path, line: str, name: str) -> None:
    Path("pyproject.toml").write_text(f"[tool.publisher]\n{line}\n")
    with pytest.raises(UsageError, match=repr(name)):
        load_settings()


def test_choice_and_boolean_settings(in_tmp: Path) -> None:
    assert Settings().canonical == "self" and Settings().noindex_republished is False
    Path("pyproject.toml").write_text(
        '[tool.publisher]\ncanonical = "original"\nnoindex_republished = true\n'
    )
    settings = load_settings()
    assert settings.canonical == "original" and settings.noindex_republished is True
    assert settings.canonical_url("articles/a.html", "https://o.test/a") == "https://o.test/a"
    assert settings.canonical_url("articles/a.html", None) == settings.url("articles/a.html")


def test_bad_choice_says_what_is_allowed(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text('[tool.publisher]\ncanonical = "Original"\n')
    with pytest.raises(UsageError, match="must be 'self' or 'original', not 'Original'"):
        load_settings()
    Path("pyproject.toml").write_text("[tool.publisher]\nnoindex_republished = 1\n")
    with pytest.raises(UsageError, match="must be true or false, not 1"):
        load_settings()


def test_broken_toml_is_a_usage_error(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text("[tool.publisher\n")
    with pytest.raises(UsageError, match="cannot read settings"):
        load_settings()


def test_explicit_file_with_top_level_keys(in_tmp: Path) -> None:
    Path("site.toml").write_text('title = "Mine"\n')
    assert load_settings(Path("site.toml")).title == "Mine"


def test_a_given_file_overlays_the_project_settings(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text(
        '[tool.publisher]\ntitle = "Project Archive"\nbase_url = "https://archive.test"\n'
        'tag_authority = "archive.test,2026"\n',
        "utf-8",
    )
    Path("preview.toml").write_text('base_url = "http://127.0.0.1:8000"\n', "utf-8")
    settings = load_settings(Path("preview.toml"))
    assert settings.base_url == "http://127.0.0.1:8000"  # what the file names
    assert settings.title == "Project Archive"  # the rest kept from pyproject.toml
    assert settings.tag_authority == "archive.test,2026"
    assert load_settings(Path("pyproject.toml")).base_url == "https://archive.test"


def test_a_given_file_is_checked_against_the_project_settings(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text('[tool.publisher]\ntitle = "Project"\n', "utf-8")
    Path("bad.toml").write_text("items_per_feed = 0\n", "utf-8")
    with pytest.raises(UsageError, match="items_per_feed"):
        load_settings(Path("bad.toml"))


def test_websub_hub_is_optional(in_tmp: Path) -> None:
    assert Settings().websub_hub is None
    Path("pyproject.toml").write_text(
        '[tool.publisher]\nwebsub_hub = "https://hub.example.org/?x=1"\n', "utf-8"
    )
    assert load_settings().websub_hub == "https://hub.example.org/?x=1"  # kept as given
    # TOML has no null: an overlay (a preview's settings) turns it off with "".
    Path("preview.toml").write_text('websub_hub = ""\n', "utf-8")
    assert load_settings(Path("preview.toml")).websub_hub is None


def test_a_bad_websub_hub_says_what_is_expected(in_tmp: Path) -> None:
    Path("pyproject.toml").write_text('[tool.publisher]\nwebsub_hub = "hub.test"\n', "utf-8")
    with pytest.raises(UsageError, match=r"absolute http\(s\) URL of a WebSub hub"):
        load_settings()
