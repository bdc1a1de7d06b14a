"""cleaner: make scraped news text fit for use.

The public API is small:
    clean_text(text)        → Document    clean text an extractor already produced
    clean_html(html, url)   → Document    clean a raw HTML page
    Pipeline                              read → segment → clean → score, as a list of steps
    run_batch(inputs, out)  → Summary     the `cleaner clean` command as a library call
    RuleSet, load_pack                    rule packs (data, not code)
"""

from .api import clean_html, clean_text, explain, run_batch
from .document import Block, Document, Flag, Removal
from .errors import DocumentError, ErrorRecord, RulePackError
from .pipeline import Pipeline
from .read import JsonFields, read_inputs
from .rules import RulePack, RuleSet, load_pack

__version__ = "0.1.0"

__all__ = [
    "Block", "Document", "DocumentError", "ErrorRecord", "Flag", "JsonFields", "Pipeline", "Removal",
    "RulePack", "RulePackError", "RuleSet", "clean_html", "clean_text", "explain", "load_pack", "read_inputs",
    "run_batch",
]
