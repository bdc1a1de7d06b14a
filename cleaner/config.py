"""Run settings: embedded defaults, overridden by a YAML/JSON file (validated against schemas/config.schema.json)
and then by command-line options."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from .schemas import errors as schema_errors

DEFAULTS: dict[str, Any] = {
    "rules": [],
    "bundled_rules": True,
    "score": True,
    "scorers": ["language", "readability", "machine_translated", "incoherent"],
    "classifier": True,
    "max_bytes": 50 * 1024 * 1024,
    "fields": {},
    "workers": 1,
    "doc_timeout": 60.0,
    "dedup": {"index": None, "threshold": None, "num_perm": 128, "source_priority": []},  # None: the index decides
}


class ConfigError(ValueError):
    """A configuration file that cannot be read or does not fit the schema."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_config(path: str | Path | None = None, **overrides: Any) -> dict[str, Any]:
    """The defaults, then the file (if any), then keyword overrides whose value is not None."""
    config = copy.deepcopy(DEFAULTS)
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
        data = data or {}
        problems = schema_errors("config", data)
        if problems:
            raise ConfigError(f"{path} is not a valid configuration: " + "; ".join(problems[:5]))
        base_dir = path.parent
        data["rules"] = [str((base_dir / p) if not Path(p).is_absolute() else p) for p in data.get("rules", [])]
        config = _merge(config, data)
    config = _merge(config, {k: v for k, v in overrides.items() if v is not None})
    problems = schema_errors("config", config)
    if problems:
        raise ConfigError("invalid settings: " + "; ".join(problems[:5]))
    return config
