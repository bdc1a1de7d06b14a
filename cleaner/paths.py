"""Where the package finds its bundled data: rule packs, schemas and models, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED_DATA = PACKAGE_DIR / "_data"
_CHECKOUT = PACKAGE_DIR.parent


def data_dir(name: str) -> Path:
    """`rules` or `schemas`: inside the wheel (cleaner/_data/NAME) or at the checkout's top level."""
    installed = _INSTALLED_DATA / name
    return installed if installed.is_dir() else _CHECKOUT / name


def models_dir() -> Path:
    return PACKAGE_DIR / "models"
