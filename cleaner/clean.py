"""Clean a segmented document: metadata out of the body, then rule packs, then the block classifier.

Order matters and is fixed: (1) the headline and date line become metadata; (2) pattern rules from the packs that
apply (line, section, inline); (3) structural rules (navigation before the headline, a repeated headline, runs of
teaser lines); (4) the model decides the blocks no rule decided (in text, having read them again among the
blocks the rules left: the lower doubt counts); (5) in HTML, when no prose is left, the prose
trafilatura kept comes back (never against a line rule). A rule's decision always wins over the model, and every
removal carries the id of the rule or model and a reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from . import prose
from .document import Block, Document
from .metadata import _norm, find_date, find_headline, find_title, lines_equal_to, normalize_date, stamp_lines
from .prose import (
    PROSE_ANY_END_WORDS,
    ends_full_stop,
    ends_sentence,
    is_prose,
    opens_body,
    word_count,
)
from .read import domain_of
from .rules import Rule, RuleSet, candidates, hopeful, prefilter, prime
from .templates import source_key as template_source
from .terms import content_stem, load_vocabulary, normalize, split_words

# The thresholds below were measured out-of-fold on the development pages; what each one bought, and what other
# values measured, is recorded in docs/tuning.md (one section per name).
LONG_PARAGRAPH_WORDS = 30
#: p_boilerplate below which the model is sure a block is body: it ends a section and vetoes structural removals
MODEL_VETO_P = 0.2
#: ...but a line of one or two words before the headline ("• world") is a menu item, never article prose
NAV_VETO_MIN_WORDS = 3
ARTICLE_MIN_PARAGRAPHS = 2
#: in HTML a section removes only the blocks the model (with the DOM's evidence) also doubts: a marker's reach is
#: guessed from line shapes, the model sees the DOM
HTML_SECTION_SPARE_P = 0.5
#: the model removes a sentence or a block of running prose that an extractor kept (trafilatura's vote in HTML;
#: every line of an extractor's output in text) only when it is this sure: extractors rarely keep chrome
EXTRACTOR_SPARE_P = 0.9
#: ...text counts as an extractor's output when at least this share of its lines are sentences (a page's naive
#: text is mostly menus and labels)
EXTRACTOR_SENTENCE_SHARE = 0.5
#: text mode without a declared headline: the headline is looked for (metadata.find_headline) before the first
#: paragraph the model is sure is body (p_boilerplate below TITLE_BODY_P, judged without a headline)
TITLE_BODY_P = 0.35
SHORT_LINE_WORDS = 15
#: a short line of this many words or more that ends with one full stop is a statement, not a headline: in a
#: section after a list of bare headlines, followed by a paragraph, it is the article resuming
SHORT_STATEMENT_WORDS = 6
SECTION_MARKER_MAX_WORDS = 8
#: a section of teasers ends where the article resumes: at a long paragraph after a short line whose content
#: words, weighed by their rarity in news (IDF), are at least this share the article's own (its headline and the
#: text above the marker): another story shares few. Text mode only (in HTML the model sees the DOM)
SECTION_RESUME_SHARE = 0.3
#: text mode: the article is one stretch of the page, and inside it the model's doubt about a line is weaker
#: evidence than the stretch around it (a subheading, a list item, a quote, a short last paragraph). The stretch is
#: the run of lines with the highest sum of (ARTICLE_SPAN_P - p_boilerplate) × √words (a line a rule removed
#: counts as p = 1); inside it the model removes a line only at p_boilerplate ≥ ARTICLE_SPAN_SPARE_P
ARTICLE_SPAN_P = 0.65
ARTICLE_SPAN_SPARE_P = 0.8
#: text mode: when the model doubts every line of a page (it would keep nothing), the article, if there is one,
#: is the stretch it doubts least: taken at the lowest p_boilerplate of a paragraph of running prose plus this
#: margin, its lines below that cut kept (the verdict still says whether what is kept is an article)
ARTICLE_FALLBACK_MARGIN = 0.05
_TEASER_SUFFIX = re.compile(r"(?:(?:\|\s*|\s[-–—·]\s*)(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d+\s+(?:min|mins|minutes?)\s+read)"
                            r"|\S\s\((?!(?:1[5-9]|20)\d\d\))\d{1,6}\))\s*$", re.I)


def _ending_with(texts: list[str], marks: str) -> list[int]:
    """The indexes of the texts whose last character but for whitespace is one of marks."""
    if prose._core is not None:
        return prose._core.ending_with(texts, marks)
    return [i for i, text in enumerate(texts) if (last := text.rstrip()[-1:]) != "" and last in marks]


def _not_below(values: list[float], threshold: float) -> list[int]:
    """The indexes of the values not below threshold (`not value < threshold`: a NaN too)."""
    if prose._core is not None:
        return prose._core.not_below(values, threshold)
    return [i for i, value in enumerate(values) if not value < threshold]


def _is_sentence(text: str, words: int | None = None) -> bool:
    """A sentence (ends with sentence punctuation) or running prose: what an article is made of, not a menu,
    a label or a button (`words`: word_count, if known)."""
    return ends_sentence(text) or is_prose(text, words)


def _terms(text: str) -> frozenset[str]:
    """A text's content words, stemmed (cleaner.terms: the tokens the news IDF counts): the stems of
    tokens(text, ...) without the entity marks and Token objects, which a share of terms never reads. Kept
    per text: a section's paragraphs are asked again for each marker of a page."""
    found = _TERMS_OF.get(text)
    if found is None:
        if len(_TERMS_OF) >= _TERMS_KEEP:
            _TERMS_OF.clear()
        found = _TERMS_OF[text] = frozenset(_stems_of(text))
    return found


def _stems_of(text: str) -> filter:
    """The stems of a text's content words, each word stemmed once (terms.content_stem, kept per word)."""
    words = set(split_words(normalize(text))[1::2])
    stems = _STEM_OF
    if len(stems) >= _STEMS_KEEP:
        stems.clear()
    for word in words.difference(stems):  # (words not seen before)
        stems[word] = content_stem(word)
    return filter(None, map(stems.__getitem__, words))


#: _terms' answers for the last texts asked (a page's blocks), and terms.content_stem's for the last words
_TERMS_OF: dict[str, frozenset[str]] = {}
_TERMS_KEEP = 4096
_STEM_OF: dict[str, str | None] = {}
_STEMS_KEEP = 1 << 16


def _terms_of_all(texts: list[str]) -> set[str]:
    """_terms(" ".join(texts)), not kept: the article above a marker, read once a marker (the words of its
    paragraphs counted once, where each paragraph's terms apart would repeat the article's common words)."""
    return set(_stems_of(" ".join(texts)))


def _shared_share(terms: set[str], reference: set[str]) -> float:
    """The IDF-weighted share of `terms` that `reference` has too (rare words count more than common ones)."""
    if not terms:
        return 0.0
    idf = load_vocabulary().idf
    return sum(idf(t) for t in terms & reference) / sum(idf(t) for t in terms)


def _extractor_output(doc: Document, words: Callable[[str], int] = word_count) -> bool:
    """Text as an extractor gives it (trafilatura, newspaper, a JSONL "text" field): every line stands apart (no
    blank line at all, or blank lines around every line) and at least EXTRACTOR_SENTENCE_SHARE of the lines are
    sentences. There every line is a paragraph the extractor kept, and the headline, when there is one, is the
    first line (after a section label at most: `_first_line_of_words`). Never HTML. (`words`: word_count, or
    a cache of it.)"""
    blocks = doc.blocks
    if not blocks or doc.format == "html":
        return False
    needed = EXTRACTOR_SENTENCE_SHARE * len(blocks)
    if prose._core is not None:  # (the same test in C: no Python call a line; a count reaches the share exactly
        # when it reaches its ceiling)
        return prose._core.extractor_output(blocks, math.ceil(needed), PROSE_ANY_END_WORDS)
    if not all(b.features.get("blank_before") and b.features.get("blank_after") for b in blocks):
        return False
    sentences = 0
    for b in blocks:  # (counted until there are enough)
        sentences += _is_sentence(b.text, words(b.text))
        if sentences >= needed:
            return True
    return False


def _vote_column(doc: Document) -> int | None:
    """Where trafilatura's vote is in an HTML block's DOM features (None for text)."""
    if not doc.blocks or "dom" not in doc.blocks[0].features:
        return None
    from .html import DOM_FEATURES

    return DOM_FEATURES.index("extractor_main")


#: a list of other stories or videos: this many short lines in a row, each followed by its own stamp line
STAMPED_LIST_MIN_ITEMS = 3


def _is_doubled(text: str) -> bool:
    """A teaser that prints its headline twice ('Headline Headline category | date')."""
    head = text.split(None, 1)
    if not head or text.count(head[0]) < 2:  # its first word is not printed again (most paragraphs: no split)
        return False
    words = text.split()
    if len(words) < 8:
        return False
    first, end, size = words[0], len(words) // 2 + 1, 4
    while True:  # the sizes 4, 5, ... at which the first word comes again (list.index: no loop in Python)
        try:
            size = words.index(first, size, end)
        except ValueError:
            return False
        if words[:size] == words[size : 2 * size]:
            return not words[size - 1].endswith((".", "!", "?"))  # a sentence said twice is prose, not a teaser
        size += 1



def _has_teaser_suffix(text: str) -> bool:
    """_TEASER_SUFFIX.search(text), asked only of texts ending (but for spaces) as it must: a digit, 'read' or the
    bracket of a count ("... suspension (148)": a most-commented list's comment count; a year in brackets, as a
    list of films prints it, is no count)."""
    last = text.rstrip()[-1:]
    return (last.isdecimal() or last in "dD)") and _TEASER_SUFFIX.search(text) is not None


def _teaser_lines(texts: list[str]) -> list[int]:
    """The indexes of the teaser lines among texts (a teaser suffix, or a headline printed twice). The compiled
    core first rules out the texts that end as no suffix can and whose first word never comes again (almost every
    line of an article); the others are asked of the Python tests, which stay the definition."""
    core = prose._core
    maybe = range(len(texts)) if core is None else core.teaser_candidates(texts)
    return [i for i in maybe if _has_teaser_suffix(texts[i]) or _is_doubled(texts[i])]


def _first_line_of_words(blocks: list[Block], chrome: Callable[[str], bool]) -> int:
    """The first line of three words or more that is not chrome: what comes before it is a label ("News",
    "Sport | Tennis") or a line a rule removes wherever it stands ("Skip to main content")."""
    return next((i for i, b in enumerate(blocks) if word_count(b.text) >= 3 and not chrome(b.text)), 0)


class Cleaner:
    """The cleaning step: `run(doc)` marks removed blocks on a segmented Document."""

    name = "clean"

    def __init__(self, ruleset: RuleSet | None = None, use_model: bool | None = None, templates: Any = None):
        self.ruleset = ruleset or RuleSet.default()
        self.use_model = use_model
        self.templates = templates  # a cleaner.templates.TemplateLearner (or None)
        self._model: Any = None
        self._scores: list[Any] | None = None
        self._article_at = 0
        self._section_reach: set[int] = set()  # blocks removed only as inside a section a marker heads
        self._reread: set[int] = set()  # blocks whose score is the model's reading among the blocks the rules left
        self._prefilter: tuple[list[Rule], Callable[[str], bool]] | None = None  # see _could_match
        self._counts: dict[str, int] = {}  # word_count of the texts of the page being cleaned

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
        self._counts = {}
        self._section_reach = set()
        self._reread = set()
        texts = [b.text for b in doc.blocks]  # (as read: only the pattern rules cut a block's text)
        prime(rules, texts)  # which blocks no rule can match: one scan of the page
        use_model = structure.get("classifier") if self.use_model is None else self.use_model
        template = self._template_reasons(doc) if self.templates is not None else {}
        extracted = _extractor_output(doc, self._words)
        title_index = self._metadata(doc, bool(use_model), set(template), extracted, rules)
        # Before the headline is page chrome; with no headline found there is no such region to judge.
        head_end = title_index if title_index is not None else 0
        # The model's judgement comes first so that the rules can ask it: a section a marker heads ends at a
        # block the model is sure is body, and a structural removal is vetoed for such a block.
        self._scores = self._score(doc) if use_model else None
        self._body_p = float(structure.get("model_veto_p", MODEL_VETO_P))
        for i, reason in template.items():
            doc.remove(i, f"template/{template_source(doc)}", reason)
        self._pattern_rules(doc, rules, head_end, structure, texts)
        texts = [b.text for b in doc.blocks]  # (final: the rules' inline cuts are made)
        if structure.get("leading_navigation"):
            self._leading_navigation(doc, head_end)
        if structure.get("repeated_headline") and doc.title:
            self._repeated_headline(doc, texts)
        if structure.get("teaser_runs"):
            self._teaser_runs(doc, texts)
        if structure.get("stamped_lists"):
            self._stamped_lists(doc, texts)
        threshold = float(structure.get("classifier_threshold", 0.5))
        ps = self._reread_among_kept(doc, threshold) if use_model and doc.format != "html" else None
        if use_model:
            self._model_decisions(doc, threshold, extracted, texts, ps)
            self._extractor_fallback(doc)
        self._scores = None
        self._counts = {}
        return doc

    def _reread_among_kept(self, doc: Document, threshold: float) -> list[float] | None:
        """Text mode: the model's stage 2 reads a line with its neighbours, and next to teasers, share bars and
        ads it doubts the article's own paragraphs ("neighbours look like boilerplate"). Once the rules have
        removed those, it reads the lines they left again, among themselves; a line's doubt is the lower of the
        two readings (a removal never makes the model doubt another line more). HTML blocks are left to the
        first reading, which sees the DOM (docs/tuning.md). Not asked when the model doubts none of those lines
        enough to remove it (p_boilerplate under `threshold`): a lower doubt would change nothing. Returns each
        block's p_boilerplate after (None without scores)."""
        scores = self._scores
        if scores is None:
            return None
        ps = [score.p_boilerplate for score in scores]
        gone = doc.removed_indexes
        model = self._classifier()
        if not gone or model is None or all(i in gone for i in _not_below(ps, threshold)):
            return ps
        kept = [i for i in range(len(doc.blocks)) if i not in gone]
        for i, score in zip(kept, model.predict_among(doc.blocks, doc.title, kept), strict=True):
            if score.p_boilerplate < scores[i].p_boilerplate:
                scores[i] = score
                ps[i] = score.p_boilerplate
                self._reread.add(i)
        return ps

    def _words(self, text: str) -> int:
        """word_count(text), counted once per text of the page (the rules ask about a block several times)."""
        n = self._counts.get(text)
        if n is None:
            n = self._counts[text] = word_count(text)
        return n

    def _word_list(self, texts: list[str]) -> list[int]:
        """_words of each text (most counted already by the rules: looked up without a Python call)."""
        words = list(map(self._counts.get, texts))
        if None in words:
            words = [self._words(text) if n is None else n for text, n in zip(texts, words, strict=True)]
        return words

    def _score(self, doc: Document) -> list[Any] | None:
        model = self._classifier()
        if model is None or not doc.blocks:
            return None
        return model.predict(doc.blocks, doc.title)

    def _sure_body(self, i: int) -> float | None:
        """The model's p_boilerplate for block i when it is sure the block is body (below the veto p), else None."""
        if self._scores is None:
            return None
        p = self._scores[i].p_boilerplate
        return p if p < self._body_p else None

    # (0) cross-page evidence
    def _template_reasons(self, doc: Document) -> dict[int, str]:
        """Blocks this source repeats on many of its pages (menus, footers, promos), with the reason."""
        source = template_source(doc)
        if not source:
            return {}
        out = {}
        for i, block in enumerate(doc.blocks):
            reason = self.templates.is_template(source, block.text)
            if reason:
                out[i] = reason
        return out

    # (1) metadata
    def _metadata(self, doc: Document, use_model: bool, template: set[int], extracted: bool,
                  rules: list[Rule]) -> int | None:
        declared = doc.title or doc.meta.get("input_title")
        # a block the site repeats on every page (its name, a menu) is never this page's headline or date
        blocks = [Block("", "list_item") if i in template else b for i, b in enumerate(doc.blocks)] if template \
            else doc.blocks
        title_index = None if declared or not use_model else self._headline_before_body(doc, blocks, rules)
        if title_index is None:
            title_index = find_title(blocks, declared)
        if title_index and not declared and extracted and title_index != _first_line_of_words(
                blocks, lambda text: self._line_rule_removes(text, rules)):
            # an extractor writes the headline first (after a section label at most) or not at all: a title-like
            # line further down is article text (docs/tuning.md)
            title_index = None
        if title_index is not None:
            doc.title_found = not declared
            doc.title = doc.title or doc.blocks[title_index].text
            doc.remove(title_index, "metadata/title", "the headline: reported as the record's title, not body")
        elif declared and not doc.title:
            doc.title = declared
        date = find_date(blocks, title_index)
        if date is not None:
            index, iso = date
            doc.date = doc.date or iso
            doc.remove(index, "metadata/date", f"the date line ({iso}): reported as the record's date, not body")
        doc.date = normalize_date(doc.date) or normalize_date(doc.meta.get("input_date"))
        return title_index

    def _line_rule_removes(self, text: str, rules: list[Rule], tail: bool = False) -> bool:
        """A line rule of the pack that applies anywhere before the article's tail (`tail`: or in it) removes
        this block."""
        if not self._could_match(rules)(text):  # (most lines: no rule of the pack can match them)
            return False
        words = self._words(text)
        return any(rule.kind == "line" and (tail or rule.position != "tail") and rule.fits(words)
                   and rule.matches(text) for rule in map(rules.__getitem__, candidates(rules, text)))

    def _could_match(self, rules: list[Rule]) -> Callable[[str], bool]:
        """prefilter(rules), made once for the document's rules (the cleaner asks it about many lines)."""
        if self._prefilter is None or self._prefilter[0] is not rules:
            self._prefilter = (rules, prefilter(rules))
        return self._prefilter[1]

    def _headline_before_body(self, doc: Document, candidates: list[Block], rules: list[Rule]) -> int | None:
        """A page given as plain text names no headline, and its first prose may be a teaser of another story.
        The article starts at the first paragraph the model (judging without a headline) is sure is body; the
        headline is the best of the lines before it by metadata.find_headline: shaped like a title (not a
        sentence, caption, breadcrumb or date line), sharing words with the first paragraphs, a byline or date
        below it, near; the model's own doubt that a line is body counts too."""
        model = self._classifier()
        if model is None or not doc.blocks:
            return None
        p = model.probabilities(doc.blocks, None)
        first = next((i for i, b in enumerate(doc.blocks) if p[i] < TITLE_BODY_P and opens_body(b.text)), None)
        if first is None:
            return None
        return find_headline(candidates, first, p, chrome=lambda text: self._line_rule_removes(text, rules))

    # (2) pattern rules
    def _tail_start(self, doc: Document) -> int:
        gone = doc.removed_indexes
        for i in range(len(doc.blocks) - 1, -1, -1):
            if i not in gone and self._words(doc.blocks[i].text) >= LONG_PARAGRAPH_WORDS:
                return i + 1
        return 0

    def _article_start(self, doc: Document, rules: list[Rule], max_marker: int, head_end: int,
                       may_match: list[int]) -> int:
        """Where the article's part of the page begins: section markers cut the page into parts, and the article
        is the first part after the headline with a few paragraphs the model keeps (else the part
        with the most; a count, not characters: a teaser list may carry whole stories in a few huge blocks). A marker before it heads a sidebar or a teaser list
        above the article; a marker after it heads what follows the article (related stories, comments).
        `may_match`: the blocks some rule of the page may match (rules.hopeful), the only ones that can be
        markers."""
        if self._scores is None:
            return 0
        sections = [r for r in rules if r.kind == "section"]
        blocks, scores, words = doc.blocks, self._scores, self._words
        markers = [i for i in may_match if words(blocks[i].text) <= max_marker
                   and any(r.matches(blocks[i].text) for r in sections)]
        bounds = [-1, *markers, len(blocks)]
        best, best_kept = 0, -1
        for a, b in zip(bounds, bounds[1:], strict=False):
            if b <= head_end:
                continue  # the article follows its headline
            kept = 0
            for j in range(a + 1, b):
                if scores[j].p_boilerplate < 0.5 and words(blocks[j].text) > SHORT_LINE_WORDS:
                    kept += 1
                    if kept >= ARTICLE_MIN_PARAGRAPHS:
                        return a + 1  # the first part after the headline with a few paragraphs of prose
            if kept > best_kept:
                best, best_kept = a + 1, kept
        return best

    def _pattern_rules(self, doc: Document, rules: list[Rule], head_end: int, structure: dict,
                       texts: list[str]) -> None:
        tail_start = self._tail_start(doc)
        max_marker = int(structure.get("section_max_words", SECTION_MARKER_MAX_WORDS))
        # The blocks some rule may match, read once: a rule changes only the text of the block it cuts.
        may_match = hopeful(rules, texts)
        self._article_at = self._article_start(doc, rules, max_marker, head_end, may_match)
        for i in may_match:
            if doc.is_removed(i):
                continue
            text = doc.blocks[i].text
            words = self._words(text)
            pending = candidates(rules, text)  # (the rules the gates rule out would find no match)
            while pending:
                at = pending.pop(0)
                rule = rules[at]
                if rule.position == "head" and i >= head_end or rule.position == "tail" and i < tail_start:
                    continue
                if not rule.fits(words, max_marker):
                    continue
                if not rule.matches(text):
                    continue
                if rule.kind == "inline":
                    match = rule.search(text)  # (where: the gates say only whether)
                    start = match.start() if match else 0
                    if start > 0 and re.search(r"[.!?\"'”’)]\s*$", text[:start]):
                        doc.cut(i, start, rule.id, rule.reason)
                        text = doc.blocks[i].text
                        words = self._words(text)
                        pending = candidates(rules, text, at + 1)  # the rules after this one, for the text left
                    continue
                doc.remove(i, rule.id, rule.reason)
                if rule.kind == "section" and i > head_end:
                    markers = [r for r in rules if r.kind == "section"]
                    self._remove_section(doc, i, rule, markers, max_marker, rules)
                break

    @staticmethod
    def _statement(text: str, words: int) -> bool:
        """A short line that is a statement ("Many wore masks to hide their identities."), not a headline: a
        headline seldom ends with one full stop."""
        return words >= SHORT_STATEMENT_WORDS and ends_full_stop(text)

    def _remove_section(self, doc: Document, marker: int, rule: Rule, markers: list[Rule], max_marker: int,
                        rules: list[Rule]) -> None:
        """Remove what a section marker heads. 'rest': to the end. 'section': list items, short lines and teaser
        paragraphs (a long paragraph right after a short headline-like line) until the article resumes: a long
        paragraph not introduced by a short line, one about the article's own subject (text mode,
        SECTION_RESUME_SHARE), a short line followed by two long paragraphs, or, after two or more bare
        headlines, a long paragraph or a short statement followed by a long line, or a long paragraph that ends
        the text (only the page's end or chrome a line rule removes after it): a teaser's summary is followed by
        the next headline, not by more prose. Another section's marker ends this section, so its own rule names
        what follows it."""
        if rule.extent == "marker":
            return
        blocks = doc.blocks
        reason = f"inside the section headed {blocks[marker].text!r}: {rule.reason}"
        end = len(blocks)
        # A marker above the article (a sidebar "Most Popular", "Top Stories") heads only its own teasers, never
        # the article: its section ends at the first block the model is sure is body.
        stop_note = ""
        for j in range(marker + 1, len(blocks) if marker < self._article_at else 0):
            p = self._sure_body(j)
            if p is not None:
                end = j
                stop_note = f" (it ends before block {j}, which the model is sure is body, p={p:.2f})"
                break
        model_end = end
        html = doc.format == "html"
        if rule.extent == "section":
            article: set[str] | None = None  # the article's terms, read when first needed
            prev_short = True
            headlines = 0  # short lines since the marker while no long paragraph came: a list of bare headlines
            summaries = False  # ...one of which was a short statement: a teaser's one-line summary

            def long_after(j: int) -> bool:
                return j + 1 < len(blocks) and self._words(blocks[j + 1].text) > SHORT_LINE_WORDS

            def last_of_the_text(j: int) -> bool:
                """Nothing but the page's end or a line a rule removes (a share prompt, a copyright line)
                follows: a teaser's summary is followed by the next teaser's headline."""
                return j + 1 == len(blocks) or self._line_rule_removes(blocks[j + 1].text, rules, tail=True)

            could_match = self._could_match(rules)  # (no marker can match a block no rule can)
            for j in range(marker + 1, end):
                block = blocks[j]
                words = self._words(block.text)
                if words <= max_marker and could_match(block.text) and any(m.matches(block.text) for m in markers):
                    end = j
                    break
                listed = block.kind == "list_item"
                is_long = words > SHORT_LINE_WORDS and not listed
                if not is_long:
                    if not listed and headlines >= 2 and self._statement(block.text, words) and (
                            long_after(j) or (last_of_the_text(j) and not summaries)):
                        end = j  # bare headlines, then a short statement and a paragraph, or the text's last
                        break
                    nxt = [self._words(b.text) > LONG_PARAGRAPH_WORDS for b in blocks[j + 1 : j + 3]]
                    if not listed and len(nxt) == 2 and all(nxt) and headlines < 2:
                        end = j  # a subheading of the article, unless it ends a list of headlines
                        break
                    prev_short = True
                    if headlines >= 0:
                        headlines += 1
                    summaries = summaries or self._statement(block.text, words)
                    continue
                if not prev_short:
                    end = j
                    break
                if headlines >= 2 and (long_after(j) or (last_of_the_text(j) and not summaries)):
                    end = j  # after a list of bare headlines, two long paragraphs or the text's last: the article
                    break
                headlines = -1  # a long paragraph came: no longer a list of bare headlines
                if article is None:  # in HTML the model, seeing the DOM, spares the article's blocks (below)
                    gone = doc.removed_indexes
                    article = set() if html else _terms_of_all(
                        [doc.title or ""] + [b.text for k, b in enumerate(blocks[:marker]) if k not in gone])
                if article and _shared_share(_terms(block.text), article) >= SECTION_RESUME_SHARE:
                    end = j  # the article resumes: this paragraph is about what the article is about
                    break
                prev_short = False
        if end == model_end:
            reason += stop_note
        spare_p = HTML_SECTION_SPARE_P if html else 0.0
        for j in range(marker + 1, end):
            if self._scores is not None and self._scores[j].p_boilerplate < spare_p:
                continue  # the model, seeing the DOM, keeps this block: the marker's reach is a guess
            if doc.remove(j, rule.id, reason):
                self._section_reach.add(j)

    # (3) structural rules
    def _leading_navigation(self, doc: Document, head_end: int) -> None:
        for i in range(min(head_end, len(doc.blocks))):
            words = self._words(doc.blocks[i].text)
            if words >= NAV_VETO_MIN_WORDS and self._sure_body(i) is not None:
                continue  # vetoed: the model is sure this is body (a page whose headline comes late)
            if words <= 6 or doc.blocks[i].kind == "list_item":
                doc.remove(i, "structure/leading-navigation", "short navigation or menu line before the headline")

    def _repeated_headline(self, doc: Document, texts: list[str] | None = None) -> None:
        key = _norm(doc.title or "")
        if not key:
            return
        for i in lines_equal_to([b.text for b in doc.blocks] if texts is None else texts, key):
            doc.remove(i, "structure/repeated-headline", "the headline repeated in the body")

    def _teaser_runs(self, doc: Document, texts: list[str] | None = None) -> None:
        teasers = _teaser_lines([b.text for b in doc.blocks] if texts is None else texts)
        k = 0
        while k < len(teasers):  # each run of consecutive teaser lines
            j = k + 1
            while j < len(teasers) and teasers[j] == teasers[j - 1] + 1:
                j += 1
            if j - k >= 2:
                for i in teasers[k:j]:
                    doc.remove(i, "structure/teaser-run", f"one of {j - k} teaser lines of other stories in a row "
                               "(headline with a category/date suffix or printed twice)")
            k = j

    def _stamped_lists(self, doc: Document, texts: list[str] | None = None) -> None:
        """Remove lists of other stories or videos: a title followed by a line that is only its date, time, age or
        duration ("13 hours ago", "01:45"), STAMPED_LIST_MIN_ITEMS times or more in a row. An article does not
        stamp its paragraphs one by one (on the development pages: 228 such lines, none of them article text); a
        live blog or a timeline puts the stamp before each entry, and a run that starts after a stamp is left."""
        stamps = stamp_lines([b.text for b in doc.blocks] if texts is None else texts)
        if len(stamps) < STAMPED_LIST_MIN_ITEMS:  # (each item of a list is followed by a stamp line of its own)
            return
        lines = [i for i, b in enumerate(doc.blocks) if b.text.strip()]
        stamp_set = set(stamps)
        stamped = [i in stamp_set for i in lines]
        k = 0
        while k + 1 < len(lines):
            m = k
            while m + 1 < len(lines) and stamped[m + 1] and not stamped[m] \
                    and not is_prose(doc.blocks[lines[m]].text, self._words(doc.blocks[lines[m]].text)):
                m += 2
            items = (m - k) // 2
            if items < STAMPED_LIST_MIN_ITEMS or (k > 0 and stamped[k - 1]):
                k = max(m, k + 1)  # (a stamp before the first title: stamps head entries, as in a live blog)
                continue
            for i in lines[k:m]:
                doc.remove(i, "structure/stamped-list", f"one of {items} titles of other stories or videos, each "
                           "followed by its date, time or duration")
            k = m

    # (4) the model
    def _introduced_lists(self, doc: Document, threshold: float, span: range, texts: list[str], ps: list[float],
                          words: list[int], gone: set[int]) -> set[int]:
        """The short lines of a list the article introduces and then resumes after: a kept line ending in ':', then
        two or more short lines the model doubts, then a line that is kept. A line classifier loses list items
        first (each alone looks like a menu); on the development pages every one of the 49 lines so placed is
        article text. In text mode also a list that ends the article: the kept line ending in ':' inside the
        article's stretch (`span`), then two or more short lines the model doubts below ARTICLE_SPAN_SPARE_P, then
        a line a rule removed or the model is sure of (p_boilerplate ≥ ARTICLE_SPAN_SPARE_P), or the page's end.
        (The page's texts, p_boilerplate, word counts and removed blocks as _model_decisions has them.)"""
        if all(i in gone or not ps[i] < threshold for i in _ending_with(texts, ":：")):
            return set()  # no kept line introduces a list (most pages)
        lines = [i for i, text in enumerate(texts) if text.strip()]
        kept = [i not in gone and ps[i] < threshold for i in lines]
        doubted = [i not in gone and not k and words[i] <= SHORT_LINE_WORDS for i, k in zip(lines, kept, strict=True)]

        def run_end(k: int, below: float) -> int:
            """Past the doubted short lines after line k whose p_boilerplate is below `below`."""
            end = k + 1
            while end < len(lines) and doubted[end] and ps[lines[end]] < below:
                end += 1
            return end

        listed: set[int] = set()
        for k, i in enumerate(lines):
            if not (kept[k] and texts[i].rstrip().endswith((":", "："))):
                continue
            end = run_end(k, math.inf)
            if end - k - 1 >= 2 and end < len(lines) and kept[end]:
                listed.update(lines[k + 1 : end])
            elif i in span:
                end = run_end(k, ARTICLE_SPAN_SPARE_P)
                if end - k - 1 >= 2 and (end == len(lines) or lines[end] in gone
                                         or ps[lines[end]] >= ARTICLE_SPAN_SPARE_P):
                    listed.update(lines[k + 1 : end])
        return listed

    def _article_span(self, doc: Document, texts: list[str], ps: list[float], words: list[int],
                      gone: set[int]) -> tuple[range, float]:
        """Text mode: the stretch of lines that is the article by the model's scores (ARTICLE_SPAN_P): the run with
        the highest sum of (ARTICLE_SPAN_P - p_boilerplate) × √words, a line a rule removed counting as p = 1
        (Kadane's maximum subarray), and the p_boilerplate below which the model's removal is overruled in it
        (ARTICLE_SPAN_SPARE_P). When no line scores below ARTICLE_SPAN_P (the model would keep nothing), the
        stretch at the lowest p of a paragraph of running prose plus ARTICLE_FALLBACK_MARGIN, whose lines below
        that cut are kept, if it holds such a paragraph. Empty for HTML and for a page with no prose left.
        (The page's texts, p_boilerplate, word counts and removed blocks as _model_decisions has them.)"""
        if not doc.blocks or doc.format == "html":
            return range(0), 0.0
        span = self._best_stretch(ps, words, gone, ARTICLE_SPAN_P)
        if len(span):
            return span, ARTICLE_SPAN_SPARE_P
        prose = [i for i, text in enumerate(texts) if i not in gone and is_prose(text, words[i])]
        if not prose:
            return range(0), 0.0
        cut = min(ps[i] for i in prose) + ARTICLE_FALLBACK_MARGIN
        span = self._best_stretch(ps, words, gone, cut)
        return (span, cut) if any(i in span for i in prose) else (range(0), 0.0)

    @staticmethod
    def _best_stretch(ps: list[float], words: list[int], gone: set[int], cut: float) -> range:
        """The run of lines with the highest sum of (cut - p_boilerplate) × √words, a removed line at p = 1."""
        if prose._core is not None:  # (the same sums, made in C)
            lo, hi = prose._core.best_stretch(ps, words, gone, cut)
            return range(lo, hi + 1)
        best, lo, hi = 0.0, 0, -1
        run, start = 0.0, 0
        for i, (p, n) in enumerate(zip(ps, words, strict=False)):
            if i in gone:
                p = 1.0
            if run <= 0.0:
                run, start = 0.0, i
            run += (cut - p) * math.sqrt(n)
            if run > best:
                best, lo, hi = run, start, i
        return range(lo, hi + 1)

    def _extractor_fallback(self, doc: Document) -> None:
        """HTML: when no paragraph of running prose is left but trafilatura's extraction (its vote) kept some, its
        sentences come back: an empty article is the worst answer for a page that has one, and trafilatura itself
        falls back to other extractors when its own result is too short. What comes back: the paragraphs of prose
        that end a sentence, that the vote kept and that only the model or a section marker's reach removed, and
        the lines the vote kept between two of them (a subheading); a line rule's removal, the headline and the
        date stay."""
        vote = _vote_column(doc)
        if vote is None:
            return
        gone = doc.removed_indexes
        blocks = doc.blocks
        if any(i not in gone and is_prose(b.text, self._words(b.text)) for i, b in enumerate(blocks)):
            return
        removed_by = {r.block: r.rule for r in doc.removed if not r.partial}
        undoable = {i for i, rule in removed_by.items()
                    if blocks[i].features["dom"][vote] == 1.0 and (rule == "model/blocks" or i in self._section_reach)}
        prose = sorted(i for i in undoable  # (an address or links run into one line are no sentence)
                       if is_prose(blocks[i].text, self._words(blocks[i].text)) and ends_sentence(blocks[i].text))
        if not prose:
            return
        back = {i for i in undoable if prose[0] <= i <= prose[-1]}
        doc.removed = [r for r in doc.removed if r.partial or r.block not in back]

    def _model_decisions(self, doc: Document, threshold: float, extracted: bool, texts: list[str] | None = None,
                         ps: list[float] | None = None) -> None:
        """The model removes the blocks it doubts (p_boilerplate ≥ threshold) that no rule decided, but for an
        introduced list, the article's stretch and an extractor's sentences. (`texts`, `ps`: the blocks' texts
        and p_boilerplate, if known.)"""
        scores = self._scores
        if scores is None:
            return
        texts = [b.text for b in doc.blocks] if texts is None else texts
        ps = [score.p_boilerplate for score in scores] if ps is None else ps
        vote = _vote_column(doc)
        gone = doc.removed_indexes
        words = self._word_list(texts)
        span, spare_p = self._article_span(doc, texts, ps, words, gone)
        listed = self._introduced_lists(doc, threshold, span, texts, ps, words, gone)
        for i in _not_below(ps, threshold):
            p = ps[i]
            if not p >= threshold or i in gone or i in listed:
                continue
            if i in span and p < spare_p:
                continue  # inside the article's stretch, and the model is not sure: keep it
            text = texts[i]
            if p < EXTRACTOR_SPARE_P and _is_sentence(text, words[i]) and (
                    extracted or (vote is not None and doc.blocks[i].features["dom"][vote] == 1.0)):
                continue  # an extractor kept this sentence and the model is not sure: keep it too
            note = " (read among the lines the rules left)" if i in self._reread else ""
            doc.remove(i, "model/blocks", lambda score=scores[i], note=note: score.reason + note)  # worked out when read
