"""Rule packs are data: validated, linear-time, with examples that `cleaner rules check` runs."""

from __future__ import annotations

import time

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

import cleaner
from cleaner.cli import main
from cleaner.pipeline import Pipeline
from cleaner.errors import RulePackError
from cleaner.rules import bundled_packs, load_pack


def test_bundled_packs_pass_their_own_examples() -> None:
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_a_failing_example_fails_the_check(tmp_path) -> None:
    pack = {"id": "bad", "description": "an example that cannot pass",
            "rules": [{"id": "x", "kind": "line", "pattern": "^foo$", "reason": "foo lines",
                       "examples": [{"text": "bar", "removed": True}]}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(pack))
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert result.exit_code == 1 and "FAIL" in result.output


@pytest.mark.parametrize("pattern,message", [("(a)\\1", "not valid RE2"), ("(?<=x)y", "not valid RE2")])
def test_patterns_re2_refuses_are_clear_errors(tmp_path, pattern, message) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"id": "p", "description": "d",
                                    "rules": [{"id": "r", "kind": "line", "pattern": pattern, "reason": "why"}]}))
    with pytest.raises(RulePackError, match=message):
        load_pack(path)


def test_schema_errors_name_the_field(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"id": "p", "description": "d", "rules": [{"id": "r", "kind": "nope",
                                                                              "pattern": "x", "reason": "why"}]}))
    with pytest.raises(RulePackError, match="rules/0/kind"):
        load_pack(path)


def test_catastrophic_regex_in_user_pack_cannot_hang_the_batch(tmp_path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump({"id": "hostile", "description": "exponential for backtracking engines",
                                    "rules": [{"id": "evil", "kind": "line", "pattern": "^(a+)+$",
                                               "reason": "catastrophic backtracking bait"}]}))
    text = "Headline for the hostile test\n\n" + "a" * 50_000 + "b\n\n" + "Real paragraph text. " * 10
    started = time.perf_counter()
    doc = cleaner.clean_text(text, pipeline=Pipeline.default([str(path)], score=False, use_model=False))
    assert time.perf_counter() - started < 5
    assert "Real paragraph text." in doc.text


def test_site_pack_applies_by_domain_only(tmp_path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({"id": "example-site", "description": "one site's promo",
                                    "applies_to": {"domains": ["example.com"]},
                                    "rules": [{"id": "promo", "kind": "line", "pattern": "^Try Example Plus",
                                               "reason": "the site's subscription promo"}]}))
    text = ("Budget approved after long debate in the city\n\nTry Example Plus\n\n"
            + "The council approved the budget after a long debate that ran late into the night. " * 3)
    rules_only = Pipeline.default([str(path)], score=False, use_model=False)
    on_site = cleaner.clean_text(text, url="https://news.example.com/a", pipeline=rules_only)
    elsewhere = cleaner.clean_text(text, url="https://other.org/a", pipeline=rules_only)
    assert "Try Example Plus" not in on_site.text
    assert "Try Example Plus" in elsewhere.text
    rule = next(r for r in on_site.removed if "Try Example" in r.text)
    assert rule.rule == "example-site/promo" and rule.reason == "the site's subscription promo"


def test_every_bundled_rule_has_examples() -> None:
    for pack in bundled_packs():
        assert pack.path and pack.path.startswith(str(ROOT)) or "_data" in pack.path
        for rule in pack.rules:
            assert rule.examples, f"{rule.id} has no examples"
