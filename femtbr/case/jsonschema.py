"""JSON Schema of the case format (``femtbr schema``; ``docs/case-schema.json`` is generated)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a case file, generated from the pydantic models."""
    from femtbr.case.schema import Case

    schema = Case.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "femtbr case file"
    return schema


def schema_text() -> str:
    """The schema as stable, indented JSON text (what ``docs/case-schema.json`` holds)."""
    return json.dumps(case_json_schema(), indent=2, sort_keys=True) + "\n"


def write_json_schema(path: str | Path) -> Path:
    """Write :func:`schema_text` to ``path`` and return the path."""
    path = Path(path)
    path.write_text(schema_text(), encoding="utf-8")
    return path
