"""The JSON Schemas in schemas/, loaded once and enforced with jsonschema."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from .paths import data_dir


@cache
def validator(name: str) -> Draft202012Validator:
    """`name` is the schema's file stem: record, rulepack, summary, error, sources, config."""
    path = data_dir("schemas") / f"{name}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(name: str, instance: Any) -> list[str]:
    """Human-readable validation errors ('path: message'), empty when valid."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


def validate(name: str, instance: Any) -> None:
    problems = errors(name, instance)
    if problems:
        raise ValueError(f"not a valid {name}: " + "; ".join(problems[:5]))
