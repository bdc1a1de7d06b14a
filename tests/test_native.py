"""The compiled cores: the install builds every C module tools/build_native.py lists, and the Python module that
uses each one finds it (without them the Python code runs, the same answers, slower)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from build_native import NATIVE  # noqa: E402

#: the Python module that calls each C module through its `_core` (or through the attribute after a colon)
USERS = {
    "cleaner.scorers._language_core": "cleaner.scorers.language",
    "cleaner.scorers._readability_core": "cleaner.scorers.readability",
    "cleaner.scorers._mt_core": "cleaner.scorers.mt",
    "cleaner._terms_core": "cleaner.terms",
    "cleaner._features_core": "cleaner.classifier",
    "cleaner._trees_core": "cleaner.classifier:_tree_core",
    "cleaner._text_core": "cleaner.segment",  # (and cleaner.prose, through its own _core)
    "cleaner._records_core": "cleaner.write",
}


def test_every_compiled_module_has_its_user() -> None:
    assert sorted(USERS) == sorted(NATIVE)


@pytest.mark.parametrize("name", sorted(NATIVE))
def test_the_compiled_core_is_built(name: str) -> None:
    """The install builds the C module: without it the Python code runs, slower."""
    if os.environ.get("CLEANER_NO_NATIVE"):
        pytest.skip("CLEANER_NO_NATIVE is set: the Python code runs on purpose")
    assert importlib.util.find_spec(name) is not None, f"{name} was not built: see the install's warnings"
    module, _, attribute = USERS[name].partition(":")
    core = getattr(importlib.import_module(module), attribute or "_core")
    assert core is not None and core.__name__ == name, f"{USERS[name]} does not use {name}"
