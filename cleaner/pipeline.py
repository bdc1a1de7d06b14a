"""A pipeline is a list of steps; an executor runs documents through it. Steps do one job each (segment, clean,
score); how they run (one process or many) is the executor's business, not the steps'.

read → segment → clean → score → (dedup, a batch stage) → write
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .clean import Cleaner
from .document import Document
from .errors import DocumentError, ErrorRecord
from .rules import RuleSet
from .segment import segment


class Step(Protocol):
    """One stage: reads a Document and returns it changed (or raises DocumentError)."""

    name: str

    def run(self, doc: Document) -> Document: ...


class Segmenter:
    name = "segment"

    def run(self, doc: Document) -> Document:
        return segment(doc)


class Scorer:
    """Runs the document scorers that are installed: language, readability, machine-translated, incoherent."""

    name = "score"

    def __init__(self, names: Iterable[str] | None = None):
        self.scorers = load_scorers(names)

    def run(self, doc: Document) -> Document:
        for scorer in self.scorers:
            scorer.run(doc)
        return doc


SCORER_CLASSES = {
    "language": ("cleaner.scorers.language", "LanguageScorer"),
    "readability": ("cleaner.scorers.readability", "ReadabilityScorer"),
    "machine_translated": ("cleaner.scorers.mt", "MachineTranslationScorer"),
    "incoherent": ("cleaner.scorers.coherence", "IncoherenceScorer"),
}


def load_scorers(names: Iterable[str] | None = None) -> list[Any]:
    import importlib

    chosen = list(SCORER_CLASSES) if names is None else list(names)
    scorers = []
    for name in chosen:
        if name not in SCORER_CLASSES:
            raise ValueError(f"unknown scorer {name!r}; known: {', '.join(SCORER_CLASSES)}")
        module_name, class_name = SCORER_CLASSES[name]
        module = importlib.import_module(module_name)
        scorers.append(getattr(module, class_name)())
    return scorers


@dataclass
class StepStats:
    """Per-step counters, as datatrove keeps them: documents in, errors, seconds spent."""

    documents: int = 0
    errors: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "errors": self.errors, "seconds": round(self.seconds, 3)}


@dataclass
class Pipeline:
    steps: list[Step]
    stats: dict[str, StepStats] = field(default_factory=dict)

    @classmethod
    def default(
        cls, rules: list[str] | None = None, score: bool = True, scorers: Iterable[str] | None = None,
        use_model: bool | None = None, templates: Any = None,
    ) -> Pipeline:
        """The standard pipeline. `templates`: cross-page evidence (a TemplateLearner, or the path of a file
        `cleaner templates learn` wrote): blocks a source repeats on many of its pages are removed as template."""
        if templates is not None and not hasattr(templates, "is_template"):
            from .templates import load_templates

            templates = load_templates(templates)
        steps: list[Step] = [Segmenter(), Cleaner(RuleSet.default(rules), use_model=use_model, templates=templates)]
        if score:
            steps.append(Scorer(scorers))
        return cls(steps)

    def process(self, doc: Document) -> Document:
        """Run every step on one document; a step's exception becomes a DocumentError naming the step."""
        for step in self.steps:
            stats = self.stats.get(step.name)
            if stats is None:  # (not setdefault: it would make a StepStats a step a document)
                stats = self.stats[step.name] = StepStats()
            stats.documents += 1
            started = time.perf_counter()
            try:
                doc = step.run(doc)
            except DocumentError:
                stats.errors += 1
                raise
            except RecursionError as exc:
                stats.errors += 1
                raise DocumentError("too_deep", f"{step.name}: input nested too deeply to process") from exc
            except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
                stats.errors += 1
                raise DocumentError(f"{step.name}_failed", f"{step.name}: {type(exc).__name__}: {exc}") from exc
            finally:
                stats.seconds += time.perf_counter() - started
        return doc

    def run(self, items: Iterable[Document | ErrorRecord]) -> Iterator[Document | ErrorRecord]:
        """Documents in, processed Documents or ErrorRecords out, in input order."""
        for item in items:
            if isinstance(item, ErrorRecord):
                yield item
                continue
            try:
                yield self.process(item)
            except DocumentError as exc:
                yield ErrorRecord(item.id, item.input, exc.kind, exc.message)
