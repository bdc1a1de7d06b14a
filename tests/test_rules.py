"""Rule packs are data: validated, linear-time, with examples that `cleaner rules check` runs."""

from __future__ import annotations

import time

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.cli import main
from cleaner.errors import RulePackError
from cleaner.pipeline import Pipeline
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


# --------------------------------------------------------------------------------------------------
# each pack's patterns combined into one gate: it matches exactly where one of the rules does
# --------------------------------------------------------------------------------------------------


from cleaner.rules import Rule, _Gate, parse_pack, prefilter  # noqa: E402
from cleaner.testing import noisy_articles  # noqa: E402

_EXAMPLES = [ex["text"] for pack in bundled_packs() for rule in pack.rules for ex in rule.examples]
_TEXTS = st.one_of(st.sampled_from(_EXAMPLES), st.text(max_size=60),
                   noisy_articles().map(lambda a: a.text.split("\n")[0]),
                   st.lists(st.sampled_from(_EXAMPLES + ["", " ", "x", "Related", ":", "©", "\n"]), max_size=4)
                   .map(" ".join))


def _matches(rules: list[Rule], text: str) -> list[bool]:
    return [rule.regex.search(text) is not None for rule in rules]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_a_packs_gate_matches_exactly_where_a_rule_does(text: str) -> None:
    for pack in bundled_packs():
        gate = pack.rules[0].gate
        assert gate is not None and all(rule.gate is gate for rule in pack.rules)
        assert gate(text) == any(_matches(pack.rules, text))
        assert [rule.search(text) is not None for rule in pack.rules] == _matches(pack.rules, text)
        assert prefilter(pack.rules)(text) == gate(text)
        hits = gate.hits(text)
        assert hits is True or hits == {i for i, m in enumerate(_matches(pack.rules, text)) if m}


def test_when_the_rule_set_gives_no_answer_every_rule_is_asked() -> None:
    """An RE2 set whose DFA runs out of memory answers as if nothing matched: the alternation says something
    did, so the rules are asked one by one."""

    class Silent:
        def Match(self, text: str) -> None:  # noqa: N802 - RE2's name
            return None

    pack = parse_pack({"id": "p", "description": "d", "rules": [
        {"id": "a", "kind": "line", "pattern": "^Related$", "reason": "why"},
        {"id": "b", "kind": "line", "pattern": "Rel", "reason": "why"}]})
    pack.rules[0].gate.set = Silent()
    assert pack.rules[0].gate.hits("Related") is True
    assert pack.rules[0].search("Related") and pack.rules[1].search("Related")
    assert pack.rules[0].search("Relative") is None and pack.rules[1].search("Relative")


def test_gates_of_the_dev_pages_lines() -> None:
    from conftest import SHARED

    texts = sorted((SHARED / "data" / "extraction" / "text").glob("*.txt"))[:60]
    if not texts:
        pytest.skip("development data not found")
    packs = bundled_packs()
    for path in texts:
        for line in path.read_text(encoding="utf-8").split("\n"):
            for pack in packs:
                assert [r.search(line) is not None for r in pack.rules] == _matches(pack.rules, line)


def test_patterns_that_cannot_be_combined_keep_their_own_search() -> None:
    def pack(*patterns: str):
        return parse_pack({"id": "p", "description": "d", "rules": [
            {"id": f"r{i}", "kind": "line", "pattern": p, "reason": "why"} for i, p in enumerate(patterns)]})

    quoted = pack(r"\Qa|b", "^c$")  # \Q quotes to the end: wrapped in (?:...) it would swallow the )
    assert all(r.gate is None for r in quoted.rules)
    assert [r.search("xa|b") is not None for r in quoted.rules] == [True, False]
    named = pack("(?P<x>a)", "(?P<x>b)")
    assert all(r.gate is None for r in named.rules) and named.rules[1].search("b")
    flags = pack("(?i)^related$", "^Teaser$")  # a flag stays inside its own pattern
    assert flags.rules[0].gate is not None
    assert flags.rules[1].search("teaser") is None and flags.rules[0].search("RELATED")
    assert prefilter(flags.rules + quoted.rules)("nothing") is True  # a rule without a gate: always look
    assert prefilter(flags.rules)("nothing") is False
    assert _Gate.for_rules(flags.rules[:1]) is None  # one pattern: nothing to combine


_PRIME_PATTERNS = [r"^Read more\b", r"(?i)newsletter$", r"\bAds?\b", r"^\s*$", r"share\s+this", r"x\W+y"]
_PRIME_WORDS = ["Read", "more", "newsletter", "Ad", "ads", "share", "this", "x", "y", " ", "\t", ",", "é", "中"]


@given(st.lists(st.lists(st.sampled_from(_PRIME_WORDS), max_size=6).map(" ".join), max_size=12))
@settings(max_examples=300, deadline=None)
def test_priming_a_page_answers_as_asking_each_block(texts: list[str]) -> None:
    """One scan of the joined page (rules.prime) must give every block the answer a search of the block alone
    gives: ^ and $ at the block's ends, \\b at its edges, matches that would span two blocks."""
    from cleaner.rules import _Gate

    primed, alone = _Gate.compile(_PRIME_PATTERNS), _Gate.compile(_PRIME_PATTERNS)
    assert primed is not None and alone is not None
    primed.prime(texts)
    assert [primed(t) for t in texts] == [alone(t) for t in texts]


def test_a_rules_word_limit_is_its_own_or_for_a_section_marker_the_packs() -> None:
    """Rule.fits: a line rule with max_words matches short blocks only; a section marker without one takes the
    pack's section_max_words (a marker is a short line); a line rule without one has no limit."""
    pack = parse_pack({"id": "p", "description": "d", "rules": [
        {"id": "short", "kind": "line", "pattern": "x", "reason": "why", "max_words": 3},
        {"id": "marker", "kind": "section", "pattern": "Related", "reason": "why"},
        {"id": "any", "kind": "line", "pattern": "y", "reason": "why"}]})
    short, marker, anything = pack.rules
    assert short.fits(3) and not short.fits(4)
    assert marker.fits(8, 8) and not marker.fits(9, 8) and marker.fits(50)
    assert anything.fits(10_000, 8)


def _rules_with_gates() -> list:
    from cleaner.rules import RuleSet

    rules, _ = RuleSet.default().for_document("theguardian", "theguardian.com")  # two packs, two gates
    assert len({id(r.gate) for r in rules}) == 2
    return rules


_TRIGGERS = ["Related Articles", "Read more:", "Advertisement", "© 2025 Example Media. All rights reserved.",
             "Sign up to our newsletter", "Share this article", "By Jane Doe", "Photo: Getty Images", "12 comments",
             "He said. MORE: Storm hits coast", "Skip to main content", "Home > News > World", "Tags:", "Comments"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TRIGGERS) | st.text(max_size=30), min_size=1, max_size=4).map(" ".join),
       st.integers(0, 40))
def test_candidates_hold_every_rule_that_matches(text: str, start: int) -> None:
    """candidates() leaves out only rules whose search finds nothing: the cleaner asks only the candidates."""
    from cleaner.rules import candidates

    rules = _rules_with_gates()
    start = min(start, len(rules))
    found = candidates(rules, text, start)
    assert found == sorted(found) and all(k >= start for k in found)
    assert {k for k in range(start, len(rules)) if rules[k].search(text)} <= set(found)


def test_candidates_name_the_matching_rules_of_real_lines() -> None:
    """On lines of the development pages (skipped without ../shared) and the triggers, the candidates are exactly
    the rules the gates cannot rule out, and include every rule that matches; most lines have none."""
    from cleaner.rules import candidates

    lines = list(_TRIGGERS)
    pages = sorted((ROOT.parent / "shared" / "data" / "extraction" / "text").glob("*.txt"))[:40]
    for page in pages:
        lines += [line.strip() for line in page.read_text(encoding="utf-8").splitlines() if line.strip()]
    rules = _rules_with_gates()
    empty = 0
    for line in lines:
        found = candidates(rules, line)
        assert {k for k in range(len(rules)) if rules[k].search(line)} <= set(found)
        empty += not found
    assert all(candidates(rules, t) for t in _TRIGGERS)
    if pages:
        assert empty > len(lines) // 2


def test_an_inline_promo_is_cut_from_the_end_of_its_paragraph() -> None:
    """The inline rule cuts "MORE: <another story>" off the paragraph it ends (after a sentence), and the rest of
    the paragraph stays; a record's removal says it was partial. Text before the promo is not a sentence: no cut."""
    body = ("The council approved the budget on Tuesday after a long session that ran late into the night, "
            "members said.")
    text = "\n\n".join([
        "Council approves the budget",
        body + " MORE: Storm leaves thousands without power",
        "The vote was close, with several members abstaining after the debate on the new library and roads.",
        "Officials said the plan covers schools, the new library and repairs to roads damaged in the winter storms.",
    ])
    doc = cleaner.clean_text(text, pipeline=Pipeline.default([], score=False))
    record = doc.to_record()
    cut = [r for r in record["removed"] if r.get("partial")]
    assert [r["text"] for r in cut] == ["MORE: Storm leaves thousands without power"]
    assert cut[0]["rule"] == "generic-en/inline-promo"
    assert body in record["text"].split("\n")
    assert "Storm leaves" not in record["text"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TRIGGERS) | st.text(max_size=30), min_size=1, max_size=4).map(" ".join))
def test_matches_is_the_rules_own_search(text: str) -> None:
    """Rule.matches (the gates' answer where their set named the matching rules) says what the rule's own pattern
    says, for any text."""
    for rule in _rules_with_gates():
        assert rule.matches(text) == (rule.regex.search(text) is not None), rule.id


def test_matches_is_the_rules_own_search_on_real_lines() -> None:
    """The same on every line of 60 development pages (skipped without ../shared), after the cleaner's page scan
    (prime) has told the gates which lines no rule matches, and on the triggers."""
    from cleaner.rules import prime

    rules = _rules_with_gates()
    pages = sorted((ROOT.parent / "shared" / "data" / "extraction" / "text").glob("*.txt"))[:60]
    for lines in [_TRIGGERS] + [[x.strip() for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
                                for p in pages]:
        prime(rules, lines)
        for line in lines:
            for rule in rules:
                assert rule.matches(line) == (rule.regex.search(line) is not None), (rule.id, line)


_TRICKY = [r"^ab", r"b$", r"(?m)^c", r"(?i)\bda\b", r"x.y", r"(?s)x.y", r"a\nb", r"[^.]+!", r"\Aq", r"e\z", r"(?m)d$"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeqxy!.\n D", max_size=12))
def test_a_gate_says_whether_any_of_its_patterns_matches(text: str) -> None:
    """A gate (the whole text against `.*(?:p1|p2|...).*`) answers as a search with each pattern would: anchors,
    word boundaries, flags and newlines included; its set names exactly the patterns that match."""
    import re2

    from cleaner.rules import _Gate

    gate = _Gate.compile(_TRICKY)
    assert gate is not None
    matching = {k for k, p in enumerate(_TRICKY) if re2.search(p, text)}
    assert gate(text) == bool(matching)
    hits = gate.seen[text]
    assert hits is True or hits == matching


def test_a_gates_dot_takes_no_newline_its_pattern_does_not() -> None:
    """The gate's (?s) is the .* around the alternation's alone: `x.y` does not match "x\\ny" in a search, so
    the gate does not either (it once did, and the set then named no rule: every rule was asked)."""
    import re2

    from cleaner.rules import _Gate

    gate = _Gate.compile(["x.y", "^q", "(?s)a.b"])
    assert gate is not None
    assert not gate("x\ny") and re2.search("x.y", "x\ny") is None
    assert gate("x-y") and gate.seen["x-y"] == {0}
    assert gate("a\nb") and gate.seen["a\nb"] == {2}  # a pattern's own (?s) still holds


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeqxy!.\n Dé中\x00", max_size=16))
def test_the_bindings_match_call_answers_as_the_wrappers_fullmatch(text: str) -> None:
    """_whole_match calls RE2's binding directly (no wrapper generator, no Match object): the span it gives is
    the wrapper's fullmatch's, and so is the fallback's for a package version without that call."""
    import re2

    from cleaner.rules import _fullmatch_span, _Gate, _whole_match

    gate = _Gate.compile(_TRICKY)
    assert gate is not None
    data = text.encode("utf-8")
    found = gate.regex.fullmatch(data)
    expected = [found.span() if found is not None else (-1, -1)]
    assert _whole_match(gate.regex)(data, 0, len(data)) == expected
    assert _fullmatch_span(gate.regex, data, 0, len(data)) == expected
    one = re2.compile("(?s:.*)(?:^ab|e$)(?s:.*)")
    assert (_whole_match(one)(data, 0, len(data))[0][0] >= 0) == (re2.search("^ab|e$", text) is not None)


def test_the_installed_re2_binding_has_the_match_call() -> None:
    """The gate's fast path is the one in use. A google-re2 release that renames its binding's match call (a
    private one) falls back to the wrapper, right but slower: the test then skips and says so, rather than failing
    a fresh install over a dependency's internals; the fallback's answers are tested above."""
    from functools import partial
    from importlib.metadata import version

    from cleaner.rules import _fullmatch_span, bundled_packs

    whole = bundled_packs()[0].rules[0].gate._whole
    assert isinstance(whole, partial)
    if whole.func is _fullmatch_span:
        pytest.skip(f"google-re2 {version('google-re2')} has no binding match call (re2._Anchor, _Regexp._regexp."
                    "Match): the rule gates use the wrapper's fullmatch, right but slower; update rules._whole_match")


_HOPEFUL_LINES = _TRIGGERS + ["", "The council met on Tuesday.", "x", "Related", "é 中"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_HOPEFUL_LINES) | st.text(max_size=20), max_size=12), st.booleans())
def test_hopeful_names_the_blocks_prefilter_passes(texts: list[str], primed: bool) -> None:
    """rules.hopeful (the blocks the cleaner's rule loops look at) is prefilter(rules) of each block, in order,
    with one pack or two, primed or not, and every block where a rule without a gate is among them."""
    from cleaner.rules import hopeful, prime

    guardian = _rules_with_gates()
    generic = [r for r in guardian if r.id.startswith("generic-en/")]
    ungated = generic + parse_pack({"id": "u", "description": "d", "rules": [
        {"id": "q", "kind": "line", "pattern": r"\Qa", "reason": "why"}]}).rules
    for rules in (generic, guardian, ungated):
        if primed:
            prime(rules, texts)
        test = prefilter(rules)
        assert hopeful(rules, texts) == [i for i, text in enumerate(texts) if test(text)]
