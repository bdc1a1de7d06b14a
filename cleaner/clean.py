"""Clean a segmented document: metadata out of the body, then rule packs, then the block classifier.

Order matters and is fixed: (1) the headline and date line become metadata; (2) pattern rules from the packs that
apply (line, section, inline); (3) structural rules (navigation before the headline, a repeated headline, runs of
teaser lines); (4) the model decides the blocks no rule decided. A rule's decision always wins over the model, and
every removal carries the id of the rule or model and a reason.
"""

from __future__ import annotations

import re
from typing import Any

from .document import Document
from .metadata import find_date, find_title, normalize_date
from .read import domain_of
from .rules import Rule, RuleSet

LONG_PARAGRAPH_WORDS = 30
SHORT_LINE_WORDS = 15
SECTION_MARKER_MAX_WORDS = 8
_TEASER_SUFFIX = re.compile(r"(?:\|\s*|\s[-–—·]\s*)(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d+\s+(?:min|mins|minutes?)\s+read)\s*$", re.I)


def _words(text: str) -> int:
    return len(text.split())


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_doubled(text: str) -> bool:
    """A teaser that prints its headline twice ('Headline Headline category | date')."""
    words = text.split()
    for size in range(4, len(words) // 2 + 1):
        if words[:size] == words[size : 2 * size]:
            return True
    return False


class Cleaner:
    """The cleaning step: `run(doc)` marks removed blocks on a segmented Document."""

    name = "clean"

    def __init__(self, ruleset: RuleSet | None = None, use_model: bool | None = None):
        self.ruleset = ruleset or RuleSet.default()
        self.use_model = use_model
        self._model: Any = None

    def _classifier(self):
        if self._model is None:
            try:
                from .classifier import BlockClassifier

                self._model = BlockClassifier.load()
            except (ImportError, FileNotFoundError):
                self._model = False
        return self._model or None

    def run(self, doc: Document) -> Document:
        rules, structure = self.ruleset.for_document(doc.source, domain_of(doc.url) or doc.source)
        title_index = self._metadata(doc)
        # Before the headline is page chrome; with no headline found there is no such region to judge.
        head_end = title_index if title_index is not None else 0
        self._pattern_rules(doc, rules, head_end, structure)
        if structure.get("leading_navigation"):
            self._leading_navigation(doc, head_end)
        if structure.get("repeated_headline") and doc.title:
            self._repeated_headline(doc)
        if structure.get("teaser_runs"):
            self._teaser_runs(doc)
        use_model = structure.get("classifier") if self.use_model is None else self.use_model
        if use_model:
            self._model_decisions(doc, float(structure.get("classifier_threshold", 0.5)))
        return doc

    # (1) metadata
    def _metadata(self, doc: Document) -> int | None:
        declared = doc.title or doc.meta.get("input_title")
        title_index = find_title(doc.blocks, declared)
        if title_index is not None:
            doc.title = doc.title or doc.blocks[title_index].text
            doc.remove(title_index, "metadata/title", "the headline: reported as the record's title, not body")
        elif declared and not doc.title:
            doc.title = declared
        date = find_date(doc.blocks, title_index)
        if date is not None:
            index, iso = date
            doc.date = doc.date or iso
            doc.remove(index, "metadata/date", f"the date line ({iso}): reported as the record's date, not body")
        doc.date = normalize_date(doc.date) or normalize_date(doc.meta.get("input_date"))
        return title_index

    # (2) pattern rules
    def _first_long(self, doc: Document, start: int) -> int:
        gone = doc.removed_indexes
        for i in range(start, len(doc.blocks)):
            if i not in gone and _words(doc.blocks[i].text) >= LONG_PARAGRAPH_WORDS:
                return i
        return len(doc.blocks)

    def _tail_start(self, doc: Document) -> int:
        gone = doc.removed_indexes
        for i in range(len(doc.blocks) - 1, -1, -1):
            if i not in gone and _words(doc.blocks[i].text) >= LONG_PARAGRAPH_WORDS:
                return i + 1
        return 0

    def _pattern_rules(self, doc: Document, rules: list[Rule], head_end: int, structure: dict) -> None:
        tail_start = self._tail_start(doc)
        max_marker = int(structure.get("section_max_words", SECTION_MARKER_MAX_WORDS))
        i = 0
        while i < len(doc.blocks):
            if i in doc.removed_indexes:
                i += 1
                continue
            text = doc.blocks[i].text
            words = _words(text)
            for rule in rules:
                if rule.position == "head" and i >= head_end or rule.position == "tail" and i < tail_start:
                    continue
                limit = rule.max_words or (max_marker if rule.kind == "section" else None)
                if limit is not None and words > limit:
                    continue
                match = rule.search(text)
                if not match:
                    continue
                if rule.kind == "inline":
                    start = match.start()
                    if start > 0 and re.search(r"[.!?\"'”’)]\s*$", text[:start]):
                        doc.cut(i, start, rule.id, rule.reason)
                        text = doc.blocks[i].text
                        words = _words(text)
                    continue
                doc.remove(i, rule.id, rule.reason)
                if rule.kind == "section" and i > head_end:
                    markers = [r for r in rules if r.kind == "section"]
                    self._remove_section(doc, i, rule, markers, max_marker)
                break
            i += 1

    def _remove_section(self, doc: Document, marker: int, rule: Rule, markers: list[Rule], max_marker: int) -> None:
        """Remove what a section marker heads. 'rest': to the end. 'section': list items, short lines and teaser
        paragraphs (a long paragraph right after a short headline-like line) until the article resumes: a long
        paragraph not introduced by a short line, or a short line followed by two long paragraphs. Another
        section's marker ends this section, so its own rule names what follows it."""
        if rule.extent == "marker":
            return
        blocks = doc.blocks
        reason = f"inside the section headed {blocks[marker].text!r}: {rule.reason}"
        end = len(blocks)
        if rule.extent == "section":
            prev_short = True
            for j in range(marker + 1, len(blocks)):
                block = blocks[j]
                words = _words(block.text)
                if words <= max_marker and any(m.search(block.text) for m in markers):
                    end = j
                    break
                is_long = words > SHORT_LINE_WORDS and block.kind != "list_item"
                if not is_long:
                    nxt = [_words(b.text) > LONG_PARAGRAPH_WORDS for b in blocks[j + 1 : j + 3]]
                    if block.kind != "list_item" and len(nxt) == 2 and all(nxt):
                        end = j
                        break
                    prev_short = True
                    continue
                if not prev_short:
                    end = j
                    break
                prev_short = False
        for j in range(marker + 1, end):
            doc.remove(j, rule.id, reason)

    # (3) structural rules
    def _leading_navigation(self, doc: Document, head_end: int) -> None:
        for i in range(min(head_end, len(doc.blocks))):
            if _words(doc.blocks[i].text) <= 6 or doc.blocks[i].kind == "list_item":
                doc.remove(i, "structure/leading-navigation", "short navigation or menu line before the headline")

    def _repeated_headline(self, doc: Document) -> None:
        key = _norm(doc.title or "")
        if not key:
            return
        for i, block in enumerate(doc.blocks):
            if _norm(block.text) == key:
                doc.remove(i, "structure/repeated-headline", "the headline repeated in the body")

    def _teaser_runs(self, doc: Document) -> None:
        flags = [bool(_TEASER_SUFFIX.search(b.text)) or _is_doubled(b.text) for b in doc.blocks]
        i = 0
        while i < len(flags):
            if not flags[i]:
                i += 1
                continue
            j = i
            while j < len(flags) and flags[j]:
                j += 1
            if j - i >= 2:
                for k in range(i, j):
                    doc.remove(k, "structure/teaser-run", f"one of {j - i} teaser lines of other stories in a row "
                               "(headline with a category/date suffix or printed twice)")
            i = j

    # (4) the model
    def _model_decisions(self, doc: Document, threshold: float) -> None:
        model = self._classifier()
        if model is None or not doc.blocks:
            return
        gone = doc.removed_indexes
        scores = model.predict(doc.blocks, doc.title)
        for i, score in enumerate(scores):
            if i not in gone and score.p_boilerplate >= threshold:
                doc.remove(i, "model/blocks", score.reason)
