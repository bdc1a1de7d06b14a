"""Machine-translation detector: is this English news text the output of an MT system?

Why these features: a bag of words learns *topics* (Czech politics, Japanese prefectures) rather than
translation, and WMT's English originals differ from MT in typography (no curly quotes) and layout (one
sentence per line). So the text is first normalised (NFKC, ASCII quotes/dashes, lines re-split into
sentences) and described only by topic-poor cues of translation itself: function-word rates, a profile of
function-word n-grams in which every content word is reduced to a shape class (a POS-free syntax proxy),
sentence-length statistics, punctuation, contractions, possessives, passives, repetition and name
consistency; plus a few hundred content words ("situation", "citizens", "week") that the trainer keeps only
when they are spread evenly over all source languages and over both English corpora (translationese, not one
country's or one era's news). A logistic regression over standardised features is trained by
`tools/train_mt.py`; at run time only numpy and the JSON model are needed, and the reasons quote each leading
feature's value, the human yardstick and its contribution to the logit.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cleaner.document import Document, Flag
from cleaner.paths import models_dir

MODEL_FILE = "mt.json"

# --- normalisation -------------------------------------------------------------------------------------------

_TYPO = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2026": "...",
    }
)  # fmt: skip
_BULLET = re.compile(r"^\s*(?:[\u2022\u00b7*\u25cf\u25a0\u25cb\u2605-]|\d{1,2}[.)])\s+")


def normalise(text: str) -> str:
    """NFKC plus ASCII quotes, apostrophes and dashes: typography must not tell MT from human (see README)."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPO)
    return "\n".join(_BULLET.sub("", line).strip() for line in text.splitlines())


# --- tokenisation and sentences ------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+(?:[.,:]\d+)*|--|\.\.\.|[^\w\s]")
_SENT_END = re.compile(r"([.!?][\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "gov", "sen", "rep", "no",
    "vs", "inc", "corp", "co", "ltd", "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "fig", "vol", "mt", "ft",
}  # fmt: skip


def sentences(text: str) -> list[str]:
    """Sentences from lines, split at end punctuation: WMT's sentence-per-line and real paragraphs look alike."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENT_END.finditer(line):
            before = line[start : m.start()]
            last = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
            if m.group(1)[0] == "." and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
                continue
            out.append(line[start : m.end(1)].strip())
            start = m.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out


# --- lexicon -------------------------------------------------------------------------------------------------

FUNCTION_WORDS: tuple[str, ...] = tuple(
    """
    the a an this that these those some any no every each either neither both all another such
    i me my we us our you your he him his she her it its they them their one itself themselves himself herself
    who whom whose which what where when why how whether
    of in to for on with at by from about as into like through after over between out against during without
    before under around among within along across behind beyond toward towards upon despite since until via amid
    near above below off per than according up down
    and or but nor so yet because although though while whereas if unless however therefore thus moreover
    furthermore meanwhile otherwise also then hence instead
    be is am are was were been being have has had having do does did will would shall should can could may might
    must not
    very too just only even already again always never ever now there here more most less least much many few
    several other same own whole quite rather almost still both respectively further currently
    said says told say according
    perhaps probably possibly likely reportedly allegedly apparently
    """.split()
)
FUNCTION_SET = frozenset(FUNCTION_WORDS)
_ARTICLES = frozenset({"the", "a", "an"})
_DETERMINERS = frozenset(
    "the a an this that these those some any no every each either neither both all another such my our your "
    "his her its their".split()
)
_CONTRACTION = re.compile(r"(?:n't|'re|'ll|'ve|'m|'d)$|^(?:it|that|there|he|she|what|who|here|let)'s$")
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_IRREGULAR_PARTICIPLES = frozenset(
    "born made held taken given seen known found shown told built done sent paid brought caught kept left lost "
    "set put cut hit hurt hidden written driven chosen spoken broken stolen thrown drawn beaten forbidden "
    "forgotten sold bought led won struck understood".split()
)
_CONNECTIVES = frozenset(
    "however meanwhile moreover furthermore therefore thus also besides additionally consequently nevertheless "
    "nonetheless in at according".split()
)
_REPORTING_OTHER = frozenset({"noted", "stressed", "emphasized", "emphasised", "stated", "pointed", "added"})


def shape(token: str, sentence_initial: bool) -> str:
    """Reduce a token to a topic-free class: function words stay, content words become suffix/case shapes."""
    low = token.lower()
    if low in FUNCTION_SET:
        return low
    ch = token[0]
    if ch.isdigit():
        return "NUM"
    if not ch.isalpha():
        return (
            token if token in {",", ".", '"', "'", "(", ")", ":", ";", "-", "?", "!", "--", "..."} else "SYM"
        )
    if ch.isupper() and not sentence_initial:
        return "CAP"
    if low.endswith("ing"):
        return "Wing"
    if low.endswith("ed"):
        return "Wed"
    if low.endswith("ly"):
        return "Wly"
    if low.endswith("s") and not low.endswith("ss"):
        return "Ws"
    return "W"


# --- feature extraction --------------------------------------------------------------------------------------


@dataclass
class Extracted:
    """Raw feature values of one document, plus the token streams needed to quote phrases in reasons."""

    values: dict[str, float]
    ngrams: Counter[str]  # raw counts of shape bigrams and trigrams
    lex: Counter[
        str
    ]  # lowercase content words (not function words, 3+ letters): translation-prone vocabulary
    n_words: int
    shapes: list[str]  # shape stream with <s> and </s> per sentence: n-gram rates are per 100 positions
    surface: list[str]  # the tokens behind `shapes` ("" for the boundaries)

    def example(self, pattern: str) -> str | None:
        """The first phrase of the text that realises a shape n-gram, so a reader can check the pattern."""
        parts = pattern.split(" ")
        n = len(parts)
        for j in range(len(self.shapes) - n + 1):
            if self.shapes[j : j + n] == parts:
                return " ".join(t for t in self.surface[j : j + n] if t)
        return None


def _stats(xs: list[float]) -> tuple[float, float]:
    if not xs:
        return 0.0, 0.0
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / len(xs)
    return mean, math.sqrt(var)


def _mattr(words: list[str], window: int = 50) -> float:
    """Moving-average type-token ratio: length-independent lexical variety."""
    if len(words) <= window:
        return len(set(words)) / max(len(words), 1)
    counts = Counter(words[:window])
    total = len(counts)
    for i in range(window, len(words)):
        counts[words[i]] += 1
        old = words[i - window]
        counts[old] -= 1
        if counts[old] == 0:
            del counts[old]
        total += len(counts)
    return total / (len(words) - window + 1) / window


def _name_variants(caps: Counter[str]) -> float:
    """Share of capitalised word types that have a near-identical spelling variant (Zelensky/Zelenskiy).

    Sentence-by-sentence MT transliterates the same name in different ways; a human keeps one spelling.
    """
    types = [t for t in caps if len(t) >= 5]
    if len(types) < 3:
        return 0.0
    by_prefix: dict[str, list[str]] = {}
    for t in types:
        by_prefix.setdefault(t[:4].lower(), []).append(t)
    variant = 0
    for group in by_prefix.values():
        if len(group) < 2:
            continue
        for t in group:
            for u in group:
                if u is t:
                    continue
                a, b = t.lower(), u.lower()
                # inflections and plurals are not variants; a different ending of a similar length is
                if a.rstrip("s") == b.rstrip("s") or a.startswith(b) or b.startswith(a):
                    continue
                if abs(len(a) - len(b)) <= 2 and sum(x != y for x, y in zip(a, b, strict=False)) <= 2:
                    variant += 1
                    break
    return variant / len(types)


def extract(text: str, title: str | None = None) -> Extracted:
    """All raw features of one document (title as its first line, as in WMT and in the cleaner's output)."""
    full = normalise(f"{title}\n{text}" if title else text)
    tokens_all: list[str] = []
    shapes: list[str] = []
    surface: list[str] = []
    sent_lens: list[int] = []
    words: list[str] = []
    caps: Counter[str] = Counter()
    lex: Counter[str] = Counter()
    n_contr = n_poss = n_passive = n_conn_start = n_the_start = n_caps = 0
    n_long_words = 0
    word_len_sum = 0
    for sent in sentences(full):
        toks = _TOKEN.findall(sent)
        if not toks:
            continue
        shapes.append("<s>")
        surface.append("")
        first_word = True
        n_w = 0
        prev = ""
        for tok in toks:
            shapes.append(shape(tok, first_word))
            surface.append(tok)
            if tok[0].isalpha():
                low = tok.lower()
                if first_word:
                    n_conn_start += low in _CONNECTIVES
                    n_the_start += low == "the"
                elif tok[0].isupper():
                    n_caps += 1
                    caps[tok] += 1
                if tok.islower() and len(low) >= 3 and low not in FUNCTION_SET and "'" not in low:
                    lex[low] += 1
                first_word = False
                n_w += 1
                words.append(low)
                word_len_sum += len(low)
                n_long_words += len(low) >= 9
                if _CONTRACTION.search(low):
                    n_contr += 1
                elif low.endswith("'s") or low.endswith("s'"):
                    n_poss += 1
                if prev in _BE and (low.endswith("ed") or low in _IRREGULAR_PARTICIPLES):
                    n_passive += 1
            prev = tok.lower()
        shapes.append("</s>")
        surface.append("")
        sent_lens.append(n_w)
        tokens_all.extend(toks)

    ngrams: Counter[str] = Counter()
    for n in (2, 3):
        ngrams.update(" ".join(shapes[j : j + n]) for j in range(len(shapes) - n + 1))
    # boundary-spanning n-grams ("</s> <s>") say nothing about the text
    for key in [k for k in ngrams if "</s> <s>" in k]:
        del ngrams[key]

    n_words = max(len(words), 1)
    n_sent = max(len(sent_lens), 1)
    wc = Counter(words)
    v: dict[str, float] = {}
    for fw in FUNCTION_WORDS:
        v[f"fw:{fw}"] = 100.0 * wc.get(fw, 0) / n_words
    punct = Counter(t for t in tokens_all if not t[0].isalnum())
    for name, mark in (
        ("comma", ","), ("semicolon", ";"), ("colon", ":"), ("quote", '"'), ("paren", "("), ("dash", "-"),
        ("question", "?"), ("exclamation", "!"), ("apostrophe", "'"),
    ):  # fmt: skip
        v[f"punct:{name}"] = 100.0 * punct.get(mark, 0) / n_words
    mean_len, sd_len = _stats([float(x) for x in sent_lens])
    v["sent:mean_words"] = mean_len
    v["sent:sd_words"] = sd_len
    v["sent:cv_words"] = sd_len / mean_len if mean_len else 0.0
    v["sent:share_long"] = sum(x > 35 for x in sent_lens) / n_sent
    v["sent:share_short"] = sum(x < 8 for x in sent_lens) / n_sent
    v["sent:connective_start"] = n_conn_start / n_sent
    v["sent:the_start"] = n_the_start / n_sent
    v["word:mean_len"] = word_len_sum / n_words
    v["word:long_share"] = 100.0 * n_long_words / n_words
    v["word:mattr"] = _mattr(words)
    v["word:caps_rate"] = 100.0 * n_caps / n_words
    v["word:contractions"] = 100.0 * n_contr / n_words
    v["word:possessives"] = 100.0 * n_poss / n_words
    v["word:passives"] = 100.0 * n_passive / n_words
    v["word:reporting_other"] = 100.0 * sum(wc.get(w, 0) for w in _REPORTING_OTHER) / n_words
    content = [w for w in words if w not in FUNCTION_SET and len(w) > 2]
    v["word:content_repeat"] = 1.0 - len(set(content)) / max(len(content), 1)
    art = sum(wc.get(a, 0) for a in _ARTICLES)
    det = sum(wc.get(d, 0) for d in _DETERMINERS)
    nounish = sum(1 for s in shapes if s in {"W", "Ws"})
    v["word:articles_per_noun"] = art / max(nounish, 1)
    v["word:determiners_per_noun"] = det / max(nounish, 1)
    tri = Counter(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    v["word:repeated_trigrams"] = sum(c for c in tri.values() if c > 1) / max(len(words) - 2, 1)
    v["word:name_variants"] = _name_variants(caps)
    return Extracted(v, ngrams, lex, n_words, shapes, surface)


# --- the model -----------------------------------------------------------------------------------------------


@dataclass
class Model:
    """Weights over standardised, sqrt-transformed feature values (see `transform`)."""

    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    human_median: np.ndarray  # raw values of the training originals: the yardstick quoted in reasons
    human_mean: np.ndarray
    meta: dict

    @classmethod
    def from_json(cls, data: dict) -> Model:
        return cls(
            features=list(data["features"]),
            mean=np.asarray(data["mean"], dtype=float),
            scale=np.asarray(data["scale"], dtype=float),
            weights=np.asarray(data["weights"], dtype=float),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            human_median=np.asarray(data["human_median"], dtype=float),
            human_mean=np.asarray(data["human_mean"], dtype=float),
            meta=dict(data.get("meta", {})),
        )


Z_CLIP = 5.0


def raw_vector(ex: Extracted, features: list[str]) -> np.ndarray:
    """Raw feature values in the model's order: n-grams per 100 shape positions, words per 100 words."""
    out = np.empty(len(features), dtype=float)
    per_pos = 100.0 / max(len(ex.shapes), 1)
    per_word = 100.0 / ex.n_words
    for i, name in enumerate(features):
        if name.startswith("ng:"):
            out[i] = ex.ngrams.get(name[3:], 0) * per_pos
        elif name.startswith("lex:"):
            out[i] = ex.lex.get(name[4:], 0) * per_word
        else:
            out[i] = ex.values.get(name, 0.0)
    return out


def transform(raw: np.ndarray) -> np.ndarray:
    """sqrt compresses the heavy right tail of rates, so one odd document cannot dominate the logit."""
    return np.sqrt(np.maximum(raw, 0.0))


def logit_parts(model: Model, raw: np.ndarray) -> tuple[float, np.ndarray]:
    z = np.clip((transform(raw) - model.mean) / model.scale, -Z_CLIP, Z_CLIP)
    contrib = model.weights * z
    return float(model.bias + contrib.sum()), contrib


def describe(name: str) -> str:
    """A feature name as a person reads it."""
    kind, _, key = name.partition(":")
    if kind == "fw":
        return f"rate of '{key}' per 100 words"
    if kind == "ng":
        return f"pattern '{key}' per 100 tokens"
    if kind == "lex":
        return f"word '{key}' per 100 words"
    if kind == "punct":
        return f"'{key}' marks per 100 words"
    labels = {
        "sent:mean_words": "mean sentence length (words)",
        "sent:sd_words": "sentence length s.d. (words)",
        "sent:cv_words": "sentence length variation (s.d./mean)",
        "sent:share_long": "share of sentences over 35 words",
        "sent:share_short": "share of sentences under 8 words",
        "sent:connective_start": "share of sentences opening with a connective",
        "sent:the_start": "share of sentences opening with 'The'",
        "word:mean_len": "mean word length",
        "word:long_share": "words of 9+ letters per 100 words",
        "word:mattr": "type-token ratio (MATTR-50)",
        "word:caps_rate": "capitalised words (not sentence-initial) per 100 words",
        "word:contractions": "contractions per 100 words",
        "word:possessives": "possessive 's per 100 words",
        "word:passives": "passive constructions per 100 words",
        "word:reporting_other": "'noted/stressed/emphasized/stated/pointed/added' per 100 words",
        "word:content_repeat": "share of repeated content-word tokens",
        "word:articles_per_noun": "articles per noun-like word",
        "word:determiners_per_noun": "determiners per noun-like word",
        "word:repeated_trigrams": "share of repeated word trigrams",
        "word:name_variants": "share of names with a spelling variant",
    }
    return labels.get(name, name)


def reasons_for(
    model: Model, ex: Extracted, raw: np.ndarray, contrib: np.ndarray, flagged: bool
) -> list[str]:
    """The features that moved the logit most towards the decision (3) and against it (1), with numbers.

    Each names the document's value, the human yardstick (median of English originals, or their mean when
    the median is 0, as for rare words) and the feature's shift of the logit; patterns quote a phrase.
    """
    sign = 1.0 if flagged else -1.0
    toward = [i for i in np.argsort(-sign * contrib)[:3] if sign * contrib[i] > 0]
    against = [i for i in np.argsort(sign * contrib)[:1] if sign * contrib[i] < 0]
    out: list[str] = []
    for i in [*toward, *against]:
        name = model.features[i]
        med = model.human_median[i]
        human = f"human median {med:.3g}" if med > 0 else f"human mean {model.human_mean[i]:.3g}"
        text = f"{describe(name)} {raw[i]:.3g} vs {human} ({contrib[i]:+.2f} to the logit)"
        phrase = ex.example(name[3:]) if name.startswith("ng:") and raw[i] > 0 else None
        if phrase:
            text += f", e.g. '{phrase}'"
        out.append(text)
    return out


@lru_cache(maxsize=1)
def load_model() -> Model:
    """Loaded once per process: scoring many documents must not re-read the JSON."""
    with open(models_dir() / MODEL_FILE, encoding="utf-8") as fh:
        return Model.from_json(json.load(fh))


MIN_WORDS = 40


def score_machine_translation(text: str, title: str | None = None) -> Flag:
    """Probability that `text` is machine-translated, flagged at the model's precision-first threshold."""
    model = load_model()
    ex = extract(text, title)
    raw = raw_vector(ex, model.features)
    logit, contrib = logit_parts(model, raw)
    prob = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
    reasons = [f"P(machine-translated) {prob:.3f} vs threshold {model.threshold:.3f} (logit {logit:+.2f})"]
    if ex.n_words < MIN_WORDS:
        # too little text for rates to mean anything: report, never flag
        reasons.append(f"only {ex.n_words} words (< {MIN_WORDS}): not flagged")
        return Flag(False, prob, model.threshold, reasons)
    flagged = prob >= model.threshold
    reasons.extend(reasons_for(model, ex, raw, contrib, flagged))
    return Flag(flagged, prob, model.threshold, reasons)


class MachineTranslationScorer:
    """Pipeline scorer: sets doc.flags['machine_translated'] from the cleaned body and the title."""

    name = "machine_translated"

    def run(self, doc: Document) -> None:
        doc.flags[self.name] = score_machine_translation(doc.text, doc.title)
