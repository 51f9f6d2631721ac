"""Read a JSON seed: one article record as it is, with the line each top-level field is on.

Only what no record could hold is refused here (text that is not JSON, a list, an unpaired
surrogate); every other problem is the schema's to report. This module shapes records, so
it is part of the seed cache's fingerprint (fingerprint._FINGERPRINTED).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .load import Seed
from .problems import Problem


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent: a whole one (2024.0) as an integer. JSON
    Schema counts it as one (so `copyright_year: 2024.0` is valid), and every other
    reader of the record then gets an integer too (the Parquet table's column is int16)."""
    value = float(text)
    return int(value) if value.is_integer() else value


def read_json(seed: Seed) -> tuple[dict[str, Any], dict[str, int]] | Problem:
    """The record of a JSON seed and, for each top-level field, the line it is on. Only
    the id defaults, to the one minted from the file name."""
    try:
        data = json.loads(seed.text, parse_float=_number)
    except json.JSONDecodeError as exc:
        return Problem(seed.name, exc.lineno, "$", f"is not valid JSON ({exc.msg}): fix the syntax")
    except RecursionError:
        return Problem(seed.name, None, "$", "nests arrays or objects too deeply to be an article")
    if not isinstance(data, dict):
        return Problem(
            seed.name, 1, "$", "must hold one JSON object (an article), not a list or value"
        )
    try:  # JSON may escape a lone surrogate ("\ud800"), which no UTF-8 output can carry
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return Problem(
            seed.name,
            None,
            "$",
            "contains an unpaired surrogate escape (\\ud800-\\udfff): "
            "replace it with the character it was meant to be",
        )
    data.setdefault("id", seed.default_id)
    lines: dict[str, int] = {}
    for key in data:
        match = re.search(rf"^\s*{re.escape(json.dumps(key))}\s*:", seed.text, re.M)
        if match:
            lines[key] = seed.text.count("\n", 0, match.start()) + 1
    return data, lines
