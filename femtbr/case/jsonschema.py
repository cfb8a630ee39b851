"""JSON Schema of the case format (``femtbr schema``; ``docs/case-schema.json`` is generated).

The registry-defined tables (builder parameters of ``[geometry]``, model parameters of
``[interfaces.*]``, inline material properties) are open in the pydantic schema; the schema
adds their declarations under ``x-femtbr-parameters``, each entry the same
:meth:`femtbr.params.Param.describe` that ``femtbr models NAME`` and
``femtbr.geometry.builders()`` show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def registry_parameters() -> dict[str, Any]:
    """The declared parameters of every built-in builder, built-in model and material
    property (third-party plugin models are left out: the committed schema must not depend
    on what is installed)."""
    from femtbr import models
    from femtbr.geometry import builders
    from femtbr.materials import properties

    builtin = {name: models.describe(name) for name in models.available()
               if getattr(models.get(name), "__module__", "").startswith("femtbr.models.")}
    return {
        "builders": builders(),
        "models": {name: {"summary": d.get("summary", ""), "parameters": d.get("parameters", {})}
                   for name, d in builtin.items()},
        "materials": properties(),
    }


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a case file, generated from the pydantic models, with
    the registry-defined parameters (:func:`registry_parameters`) as ``x-femtbr-parameters``."""
    from femtbr.case.schema import Case

    schema = Case.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "femtbr case file"
    schema["x-femtbr-parameters"] = registry_parameters()
    return schema


def schema_text() -> str:
    """The schema as stable, indented JSON text (what ``docs/case-schema.json`` holds)."""
    return json.dumps(case_json_schema(), indent=2, sort_keys=True) + "\n"


def write_json_schema(path: str | Path) -> Path:
    """Write :func:`schema_text` to ``path`` and return the path."""
    path = Path(path)
    path.write_text(schema_text(), encoding="utf-8")
    return path
