"""Rule packs: declarative cleaning rules in YAML or JSON, validated against schemas/rulepack.schema.json.

Patterns are compiled with RE2 (google-re2), a linear-time engine: a user's catastrophic pattern such as `(a+)+$`
runs in time proportional to the text, so it cannot hang a batch. RE2 refuses backreferences and lookaround; such
a pack is rejected with a clear error when it is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import re2
import yaml

from .errors import RulePackError
from .paths import data_dir
from .schemas import errors as schema_errors

DEFAULT_STRUCTURE: dict[str, Any] = {
    "leading_navigation": True,
    "repeated_headline": True,
    "teaser_runs": True,
    "stamped_lists": True,
    "classifier": True,
    "classifier_threshold": 0.5,
    "section_max_words": 40,
}


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # errors are raised as RulePackError, not printed by the C++ library
    options.max_mem = 64 << 20
    return options


@dataclass(frozen=True)
class Rule:
    id: str  # qualified: "<pack>/<rule>"
    kind: str
    pattern: str
    reason: str
    regex: Any = field(compare=False, repr=False)
    max_words: int | None = None
    position: str = "any"
    extent: str = "section"
    examples: tuple[dict, ...] = ()
    # The pack's patterns combined (see _Gate), and this rule's number among them: the gate tells which of
    # the pack's rules match a text, and only those run their own pattern (to say where).
    gate: Any = field(default=None, compare=False, repr=False)
    gate_index: int = field(default=-1, compare=False, repr=False)

    def fits(self, words: int, section_max_words: int | None = None) -> bool:
        """Whether a block of this many words is short enough for the rule: its own max_words or, for a section
        marker without one, the pack's `section_max_words` (a marker is a short line)."""
        limit = self.max_words if self.max_words is not None else (
            section_max_words if self.kind == "section" else None)
        return limit is None or words <= limit

    def known(self, text: str) -> bool | None:
        """Whether the rule matches `text` as its pack's gate knows it: True or False where the gate's set named
        the pack's rules that match this text (a pattern of the set matches exactly when the rule's own does),
        None where it cannot tell (no gate, or a set out of memory)."""
        if self.gate is None:
            return None
        hits = self.gate.answer(text)
        return None if hits is True else self.gate_index in hits

    def matches(self, text: str) -> bool:
        """Whether search(text) finds a match, without the match: the gate's answer where it has one."""
        known = self.known(text)
        return self.regex.search(text) is not None if known is None else known

    def search(self, text: str):
        return None if self.known(text) is False else self.regex.search(text)


_NONE: frozenset[int] = frozenset()


class _Gate:
    """The patterns of one pack, asked once for all of them. A text goes through one RE2 pattern,
    `(?s:.*)(?:(?:p1)|(?:p2)|...)(?s:.*)` matched against the whole text, which matches exactly when one of the
    patterns matches somewhere in it (`.*` takes any text before and after, newlines too; a `^` or `$` of a
    pattern still holds only at the text's ends, as in a search; the (?s) is the `.*`'s alone, so a pattern's
    own `.` takes a newline only where its search's would); most blocks stop there. A whole-text match
    needs no match start: RE2 answers it with its forward automaton alone, where a search also runs a reverse
    one to find where the match starts, and on text it has not seen (another site's chrome) builds its states
    again and again. For the few it matches, an RE2 set of the same patterns names the rules that match (a
    set's answer is empty when its DFA runs out of memory: then every rule is asked, as without a gate). The
    rules' own patterns run only where they match, to say where. The cleaner asks about a block once a rule
    and passes over a page more than once, so the answers for the last few thousand texts are kept. A call
    into RE2's binding costs more than its automaton on a line: the gate calls the binding's match itself
    (_whole_match)."""

    __slots__ = ("patterns", "regex", "set", "seen", "_whole")
    KEEP = 4096

    def __init__(self, patterns: list[str], regex: Any, rule_set: Any) -> None:
        self.patterns = patterns
        self.regex = regex  # the whole-text pattern, for fullmatch
        self.set = rule_set
        # text → numbers of the rules that match it (True: not known, ask them all)
        self.seen: dict[str, frozenset[int] | bool] = {}
        self._whole = _whole_match(regex)

    def __getstate__(self) -> Any:
        return self.patterns  # an RE2 set does not pickle, and the answers kept are not worth sending

    def __setstate__(self, patterns: list[str]) -> None:
        gate = _Gate.compile(patterns)
        if gate is None:  # compiled in the sending process: it compiles here too
            raise RulePackError("rule pack patterns could not be compiled again")
        self.__init__(patterns, gate.regex, gate.set)  # type: ignore[misc]

    def prime(self, texts: list[str]) -> None:
        """Learn the answers for a page's blocks at once (emptying the kept answers first when they would
        overflow while the page is cleaned)."""
        seen, whole, keep = self.seen, self._whole, self.KEEP
        if len(seen) + len(texts) >= keep:
            seen.clear()
        for text in texts:  # (hits(text), inlined for the blocks the gate rules out: most of them)
            if text in seen:
                continue
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:
                self.hits(text)
                continue
            if whole(data, 0, len(data))[0][0] >= 0:
                self._keep(text, self._named(text))
            else:
                if len(seen) >= keep:
                    seen.clear()
                seen[text] = _NONE

    def hits(self, text: str) -> frozenset[int] | bool:
        try:
            data = text.encode("utf-8")
            matched = self._whole(data, 0, len(data))[0][0] >= 0
        except UnicodeEncodeError:  # a lone surrogate: RE2's wrapper of a str, as before
            matched = self.regex.fullmatch(text) is not None
        return self._keep(text, self._named(text) if matched else _NONE)

    def _named(self, text: str) -> frozenset[int] | bool:
        """The rules the set names for a text the gate matches (True: it names none, ask them all)."""
        found = self.set.Match(text)
        return frozenset(found) if found else True

    def _keep(self, text: str, hits: frozenset[int] | bool) -> frozenset[int] | bool:
        if len(self.seen) >= self.KEEP:
            self.seen.clear()
        self.seen[text] = hits
        return hits

    def answer(self, text: str) -> frozenset[int] | bool:
        """hits(text), as kept when asked before."""
        hits = self.seen.get(text)
        return self.hits(text) if hits is None else hits

    def __call__(self, text: str) -> bool:
        hits = self.seen.get(text)  # (answer(text), inlined: the cleaner asks this of many lines)
        return bool(self.hits(text) if hits is None else hits)

    @classmethod
    def for_rules(cls, rules: list[Rule]) -> _Gate | None:
        """None when the patterns cannot be combined as they are: \\Q (quoting up to a \\E that may be
        missing), named groups (the names could clash) or a combination over RE2's memory limit."""
        patterns = [r.pattern for r in rules]
        if len(patterns) < 2 or any("\\Q" in p or "(?P<" in p or "(?<" in p for p in patterns):
            return None
        return cls.compile(patterns)

    @classmethod
    def compile(cls, patterns: list[str]) -> _Gate | None:
        alternation = "|".join(f"(?:{p})" for p in patterns)
        try:
            regex = re2.compile(f"(?s:.*)(?:{alternation})(?s:.*)", _re2_options())
            rule_set = re2.Set.SearchSet(_re2_options())
            for p in patterns:
                rule_set.Add(p)
            rule_set.Compile()
        except re2.error:  # type: ignore[attr-defined]
            return None
        return cls(list(patterns), regex, rule_set)


def _whole_match(regex: Any) -> Callable[[bytes, int, int], list[tuple[int, int]]]:
    """(text, 0, len(text)) → [span of the whole-text match], (-1, -1) for none: the RE2 binding's own match
    call, without the wrapper's generator and Match object (a gate's calls are most of its cost); the wrapper's
    fullmatch where this version of the package has no such call."""
    match = getattr(getattr(regex, "_regexp", None), "Match", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "ANCHOR_BOTH", None)
    if match is not None and anchor is not None:
        return partial(match, anchor)
    return partial(_fullmatch_span, regex)


def _fullmatch_span(regex: Any, data: bytes, pos: int, endpos: int) -> list[tuple[int, int]]:
    found = regex.fullmatch(data, pos, endpos)
    return [found.span() if found is not None else (-1, -1)]


def prefilter(rules: list[Rule]) -> Callable[[str], bool]:
    """A test that is False only for texts no rule of `rules` can match: one scan per pack (the gates), so
    a caller can skip its loop over the rules for most blocks. Always True when a rule has no gate."""
    gates, all_gated = _gates(rules)
    if not all_gated:
        return _always
    if len(gates) == 1:
        return gates[0]
    return lambda text: any(gate(text) for gate in gates)


def candidates(rules: list[Rule], text: str, start: int = 0) -> list[int]:
    """The positions (from `start`) of the rules of `rules` that can match `text`, in order: a rule its pack's
    gate rules out (Rule.known) is left out, any other is kept. A caller looping over a pack's rules for a block
    asks only these: the others' search() would say None."""
    found: list[int] = []
    gate = hits = None  # (Rule.known, with each pack's answer read once for its run of rules)
    for k in range(start, len(rules)):
        rule = rules[k]
        if rule.gate is None:
            found.append(k)
            continue
        if rule.gate is not gate:
            gate = rule.gate
            hits = gate.answer(text)
        if hits is True or rule.gate_index in hits:  # type: ignore[operator]
            found.append(k)
    return found


def hopeful(rules: list[Rule], texts: list[str]) -> list[int]:
    """The positions of the texts that some rule of `rules` may match (where prefilter(rules) is True), in
    order: the gates' kept answers read in one loop, for the cleaner's passes over a page's blocks."""
    gates, all_gated = _gates(rules)
    if not all_gated:
        return list(range(len(texts)))
    found: list[int] = []
    for gate in gates:
        seen, hits = gate.seen, gate.hits
        for i, text in enumerate(texts):
            answer = seen.get(text)
            if answer is None:
                answer = hits(text)
            if answer:
                found.append(i)
    return found if len(found) < 2 else sorted(set(found))


def prime(rules: list[Rule], texts: list[str]) -> None:
    """Tell the gates of `rules` at once which of a page's block texts no rule can match (_Gate.prime)."""
    for gate in _gates(rules)[0]:
        gate.prime(texts)


#: rule lists' gates by the lists' rules (their ids; the rules are kept, so no id is another's while kept)
_GATES_OF: dict[tuple[int, ...], tuple[tuple[Rule, ...], list[_Gate], bool]] = {}


def _gates(rules: list[Rule]) -> tuple[list[_Gate], bool]:
    """The distinct gates of `rules`, in the order of their first rule (a pack's rules share one), and whether
    every rule has one. Kept for the last few lists of rules: each document's list is made anew, of the same
    packs' rules, and is asked for its gates more than once."""
    key = tuple(map(id, rules))
    kept = _GATES_OF.get(key)
    if kept is None:
        gates = {id(rule.gate): rule.gate for rule in rules if rule.gate is not None}
        if len(_GATES_OF) >= 64:
            _GATES_OF.clear()
        kept = _GATES_OF[key] = (tuple(rules), list(gates.values()), all(rule.gate is not None for rule in rules))
    return kept[1], kept[2]


def _always(text: str) -> bool:
    return True


def _gated(rules: list[Rule]) -> list[Rule]:
    """The rules with their pack's gate (unchanged when the patterns cannot be combined)."""
    gate = _Gate.for_rules(rules)
    return rules if gate is None else [replace(r, gate=gate, gate_index=i) for i, r in enumerate(rules)]


@dataclass
class RulePack:
    id: str
    description: str
    rules: list[Rule]
    domains: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    structure: dict[str, Any] = field(default_factory=dict)
    examples: list[dict] = field(default_factory=list)
    path: str | None = None

    @property
    def is_generic(self) -> bool:
        return not self.domains and not self.sources

    def applies(self, source: str | None, domain: str | None) -> bool:
        if self.is_generic:
            return True
        if source and source.lower() in (s.lower() for s in self.sources):
            return True
        if domain:
            domain = domain.lower()
            return any(domain == d or domain.endswith("." + d) for d in self.domains)
        return False


def compile_pattern(pattern: str, where: str):
    try:
        return re2.compile(pattern, _re2_options())
    except re2.error as exc:  # type: ignore[attr-defined]
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RulePackError(
            f"{where}: pattern {pattern!r} is not valid RE2 ({detail}); RE2 is linear-time and has no "
            "backreferences or lookaround"
        ) from None


def parse_pack(data: Any, path: str | None = None) -> RulePack:
    """A rule pack from already-parsed YAML/JSON data; RulePackError when it is not valid."""
    where = path or "rule pack"
    problems = schema_errors("rulepack", data)
    if problems:
        raise RulePackError(f"{where} is not a valid rule pack: " + "; ".join(problems[:5]))
    pack_id = data["id"]
    seen: set[str] = set()
    rules = []
    for spec in data["rules"]:
        if spec["id"] in seen:
            raise RulePackError(f"{where}: rule id {spec['id']!r} is used twice")
        seen.add(spec["id"])
        rules.append(
            Rule(
                id=f"{pack_id}/{spec['id']}",
                kind=spec["kind"],
                pattern=spec["pattern"],
                reason=spec["reason"],
                regex=compile_pattern(spec["pattern"], f"{where}: rule {spec['id']}"),
                max_words=spec.get("max_words"),
                position=spec.get("position", "any"),
                extent=spec.get("extent", "section"),
                examples=tuple(spec.get("examples", ())),
            )
        )
    applies = data.get("applies_to", {})
    return RulePack(
        id=pack_id,
        description=data["description"],
        rules=_gated(rules),
        domains=[d.lower() for d in applies.get("domains", [])],
        sources=list(applies.get("sources", [])),
        structure=dict(data.get("structure", {})),
        examples=list(data.get("examples", [])),
        path=path,
    )


def load_pack(path: str | Path) -> RulePack:
    """Read a YAML or JSON rule pack file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"cannot read rule pack {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RulePackError(f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from exc
    return parse_pack(data, str(path))


@lru_cache(maxsize=1)
def bundled_packs() -> tuple[RulePack, ...]:
    """The packs shipped in rules/: the generic pack(s) first, then site packs, in name order."""
    root = data_dir("rules")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".yaml", ".yml", ".json"))
    packs = [load_pack(p) for p in files]
    return tuple(sorted(packs, key=lambda p: (not p.is_generic, p.id)))


@dataclass
class RuleSet:
    """The packs that apply to a batch: bundled ones plus user packs (`--rules`), user packs last."""

    packs: list[RulePack]

    @classmethod
    def default(cls, user_packs: list[str | Path] | None = None, bundled: bool = True) -> RuleSet:
        packs = list(bundled_packs()) if bundled else []
        packs += [load_pack(p) for p in (user_packs or [])]
        return cls(packs)

    def for_document(self, source: str | None, domain: str | None) -> tuple[list[Rule], dict[str, Any]]:
        """Rules of every pack that applies, and the structure settings (later packs override earlier)."""
        rules: list[Rule] = []
        structure = dict(DEFAULT_STRUCTURE)
        for pack in self.packs:
            if pack.applies(source, domain):
                rules.extend(pack.rules)
                structure.update(pack.structure)
        return rules, structure
