"""`cleaner rules check`: a rule pack's own examples are its tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .clean import Cleaner
from .document import Document
from .rules import RulePack, RuleSet, bundled_packs, load_pack
from .segment import segment_text


@dataclass
class CheckResult:
    pack: str
    name: str
    ok: bool
    detail: str = ""


def _norm(text: str) -> str:
    return " ".join(text.split())


def check_one(pack: RulePack) -> list[CheckResult]:
    """Each rule example (does this one rule fire on this line?) and each document example (does the pack,
    with the generic pack beneath a site pack, clean this document as stated?)."""
    results = []
    for rule in pack.rules:
        for example in rule.examples:
            fired = bool(rule.search(_norm(example["text"])))
            ok = fired == example["removed"]
            want = "removed" if example["removed"] else "kept"
            results.append(CheckResult(pack.id, f"{rule.id} {want}: {example['text'][:60]!r}", ok,
                                       "" if ok else f"the rule {'fired' if fired else 'did not fire'}"))
    packs = [p for p in bundled_packs() if p.is_generic and p.id != pack.id] + [pack]
    cleaner = Cleaner(RuleSet(packs), use_model=False)
    for n, example in enumerate(pack.examples, start=1):
        doc = Document(id="example", input="example", format="text", raw=example["document"])
        doc.blocks = segment_text(doc.raw)
        for source in pack.sources[:1] or [None]:
            doc.source = source
        if pack.domains:
            doc.url = f"https://{pack.domains[0]}/example"
        cleaner.run(doc)
        kept = {_norm(b.text) for b in doc.kept_blocks}
        problems = [f"not removed: {t[:50]!r}" for t in example.get("removed", []) if _norm(t) in kept]
        problems += [f"not kept: {t[:50]!r}" for t in example.get("kept", []) if _norm(t) not in kept]
        results.append(CheckResult(pack.id, f"document example {example.get('name', n)!r}", not problems,
                                   "; ".join(problems)))
    return results


def check_paths(paths: list[Path]) -> list[CheckResult]:
    results = []
    for path in paths:
        results += check_one(load_pack(path))
    return results


def check_pack(pack: RulePack | None) -> list[CheckResult]:
    """One pack, or every bundled pack when None."""
    packs = [pack] if pack is not None else list(bundled_packs())
    results = []
    for p in packs:
        results += check_one(p)
    return results
