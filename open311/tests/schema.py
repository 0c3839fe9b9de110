"""Validate JSON answers against the GeoReport v2 JSON Schemas in open311/schemas/."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
# GeoReport v2 datetimes: W3C with seconds and a mandatory offset, as we emit them.
W3C_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


@cache
def _registry() -> Registry:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT4))
        for p in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


def validate(name: str, data) -> None:
    """Raise jsonschema.ValidationError unless ``data`` matches schemas/<name>."""
    schema = json.loads((SCHEMAS / name).read_text())
    Draft4Validator(schema, registry=_registry(), format_checker=FormatChecker()).validate(data)
