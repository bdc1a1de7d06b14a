"""The `incoherent` flag: a headline that announces one story over a body that tells another, or a body
stitched together from unrelated stories.

Why these signals: a scraper that grabs the wrong container, a CMS that appends the next story, or a
content farm that pastes paragraphs together leaves two kinds of trace, and each feature below measures one:

- the headline is not about the body: the headline's named entities and key terms are missing from the body
  (or appear only late, not in the lead), and its TF-IDF cosine with the lead and the body is low;
- the body is not one story: adjacent paragraphs share little vocabulary, a window of paragraphs shares
  little with the next window (a topic shift), the best split of the body into two halves leaves halves
  with nothing in common, paragraphs share no entity or rare term with the rest of the body, long runs of
  paragraphs mention nothing of the headline and lead, and people appear as "Mr X" with no first mention
  (news introduces people in full, so a body that starts at "Mr X" was cut from another story).

Vectors are TF-IDF over light stems (lowercase, possessive and plural stripped, cut to 6 letters so that
Ukraine/Ukrainian and Russia/Russian meet) with an IDF table derived from the news development data
(`cleaner/models/news_idf.json`, built by `tools/train_coherence.py`). Paragraphs shorter than
`MIN_UNIT_WORDS` words (subheadings, one-line captions) are merged into the paragraph that follows, so that a
"Background & Context" heading does not count as a topic of its own. A trailing site name on the headline
("... - Yahoo! News") is dropped before matching.

The score comes from two small logistic models (headline vs body; body alone) and the evidence of missing
headline entities, combined as described in `Model` (weights in `cleaner/models/coherence.json`, trained by
the same tool; pure Python at run time, ~15 ms per article).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cleaner.document import Document, Flag
from cleaner.paths import models_dir

MIN_UNIT_WORDS = 15
LEAD_WORDS = 60  # the lead: the first paragraphs up to this many words
STEM_LEN = 6

# Function words and news boilerplate verbs: frequent, carry no topic. Days and months are here too so that
# "Monday" is not taken for a shared entity between two unrelated stories.
STOPWORDS = frozenset(
    """a about above after again against all also am amid an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
    just let's me more most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than that that's
    the their theirs them themselves then there there's these they they'd they'll they're they've this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when
    when's where where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves said says say told tell mr mrs ms dr one two three also
    however would could may might must shall new news year years last next first many much well back even
    still yet since per via according monday tuesday wednesday thursday friday saturday sunday january
    february march april june july august september october november december""".split()
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_SENTENCE_OPENERS = frozenset(".!?:;\"'“”‘’(—–-•*")
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
# A trailing " - Site Name" / " | Site Name" on a headline: the outlet, not the story.
# A trailing " - Site Name", " | Site", " -- Yahoo! News" or "(NBS Nagano Broadcasting)" on a headline: the
# outlet, not the story. Only short segments of capitalised words are taken for one.
_SITE_SUFFIX = re.compile(r"\s+-{1,2}\s*((?:(?!\s-)[^|])+?)\s*$|\s*\|\s*([^|]+?)\s*$|\s*\(([^()]+)\)\s*$")
_NAME_CONNECTORS = frozenset({"of", "the", "and", "&", "at", "de", "for", "on", "in"})


def normalize(text: str) -> str:
    """Curly quotes and dashes to ASCII, so that real pages and the ASCII training data tokenize alike."""
    return text.translate(_TYPOGRAPHY)


def stem(word: str) -> str:
    """A deliberately light stem: lowercase, no possessive, no plural -s, at most 6 letters."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return w[:STEM_LEN]


@dataclass(frozen=True)
class Token:
    stem: str
    word: str  # surface form, for reasons
    entity: bool


@dataclass
class Vocabulary:
    """Document frequencies of stems and the words that are names more often than not (from the news data)."""

    n_docs: int
    df: dict[str, int]
    proper: frozenset[str]

    def idf(self, s: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(s, 0) + 1)) + 1.0

    def is_known(self, s: str) -> bool:
        return s in self.df


# Unknown capitalised headline words with these endings are Title Case, not names ("Adoring", "Maced").
_COMMON_SUFFIXES = ("ing", "ed", "ly", "tion", "sion", "ness", "ment", "ive", "ous", "ful", "able", "ible", "ism")


def tokens(text: str, vocab: Vocabulary, headline: bool = False) -> list[Token]:
    """Content tokens of `text` with an entity mark.

    In running text a capitalised word is an entity unless it opens a sentence (then only if the news data
    says the word is usually capitalised). In a headline (often Title Case) a capitalised word is an entity
    when it is an acronym, usually capitalised in the news data, or unknown to it (new names: Witkoff) and
    not shaped like a common word. Words in capitals of 5+ letters are shouting ("VIDEO"), not acronyms.
    """
    text = normalize(text)
    out: list[Token] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        lower = word.lower()
        acronym = 2 <= len(word) <= 4 and word.isupper()
        if lower in STOPWORDS and not (acronym and lower == "us"):  # "US" the country, "TO" is shouting
            continue
        if len(word) < 2:
            continue
        s = stem(word) if not acronym else lower
        entity = False
        if word[0].isupper():
            if acronym:
                entity = True
            elif headline:
                entity = lower in vocab.proper or (not vocab.is_known(s) and not lower.endswith(_COMMON_SUFFIXES))
            else:
                i = m.start() - 1
                while i >= 0 and text[i].isspace():
                    i -= 1
                opener = i < 0 or text[i] in _SENTENCE_OPENERS
                entity = (not opener) or lower in vocab.proper
        out.append(Token(s, word, entity))
    return out


class EntityIndex:
    """What the body offers to match a headline entity against, beyond identical stems: capitalised words by
    their first four letters (Britons/Britain, Scottish/Scotland, Egyptian/Egypt), long names one or two
    letters apart (transliterations: Lokomotiv/Locomotiv, Remenko/Remenyako) and the initials of runs of
    words (PM = Prime Minister, US = United States; two-letter acronyms only from capitalised runs)."""

    def __init__(self, paragraphs: Sequence[str], stems: set[str], acronyms: Iterable[str] = ()) -> None:
        """`acronyms`: the ones to look for as initials (only those runs are built)."""
        self.stems = stems
        self.prefixes: set[str] = set()
        self.long_names: set[str] = set()
        self.initials: set[str] = set()
        wanted = {a.lower() for a in acronyms}
        lengths = {len(a) for a in wanted}
        firsts = {a[0] for a in wanted}
        for text in paragraphs:
            words = _WORD.findall(normalize(text))
            for i, w in enumerate(words):
                if w[0].isupper() and len(w) >= 4:
                    self.prefixes.add(w[:4].lower())
                    if len(w) >= 6:
                        self.long_names.add(w.lower())
                if w[0].lower() not in firsts:
                    continue
                for n in lengths:
                    run = words[i : i + n]
                    letters = "".join(x[0] for x in run).lower()
                    if len(run) == n and letters in wanted and (n > 2 or all(x[0].isupper() for x in run)):
                        self.initials.add(letters)

    def has(self, token: Token) -> bool:
        if token.stem in self.stems:
            return True
        word = token.word
        if 2 <= len(word) <= 4 and word.isupper():
            return word.lower() in self.initials
        if len(word) >= 5 and word[:4].lower() in self.prefixes:
            return True
        if len(word) >= 6:
            lower = word.lower()
            return any(abs(len(n) - len(lower)) <= 2 and _edit_distance(lower, n, 2) <= 2
                       for n in self.long_names)
        return False


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once every path exceeds `limit`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


Vector = dict[str, float]


def tfidf(stems: Iterable[str], vocab: Vocabulary) -> Vector:
    """Sublinear TF-IDF, L2-normalised."""
    counts = Counter(stems)
    vec = {s: (1.0 + math.log(c)) * vocab.idf(s) for s, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {s: v / norm for s, v in vec.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def add(vectors: Sequence[Vector]) -> Vector:
    """Sum of unit vectors, re-normalised: the centroid direction of a window of paragraphs."""
    out: dict[str, float] = {}
    for vec in vectors:
        for k, v in vec.items():
            out[k] = out.get(k, 0.0) + v
    norm = math.sqrt(sum(v * v for v in out.values()))
    return {k: v / norm for k, v in out.items()} if norm else {}


def add_raw(vectors: Sequence[Vector]) -> Vector:
    out: dict[str, float] = {}
    for vec in vectors:
        for k, v in vec.items():
            out[k] = out.get(k, 0.0) + v
    return out


def _split_similarities(vecs: Sequence[Vector]) -> list[tuple[float, int]]:
    """(cosine(sum of vecs[:b], sum of vecs[b:]), b) for every boundary b, in O(n) vector operations:
    with P the prefix and T the total, P.S = P.T - P.P and |S|^2 = T.T - 2 P.T + P.P."""
    total = add_raw(vecs)
    tt = sum(x * x for x in total.values())
    prefix: dict[str, float] = {}
    pt = pp = 0.0
    out = []
    for b in range(1, len(vecs)):
        vec = vecs[b - 1]
        pp += 2 * sum(x * prefix.get(k, 0.0) for k, x in vec.items()) + sum(x * x for x in vec.values())
        pt += sum(x * total.get(k, 0.0) for k, x in vec.items())
        for k, x in vec.items():
            prefix[k] = prefix.get(k, 0.0) + x
        ss = tt - 2 * pt + pp
        denom = math.sqrt(max(pp, 0.0) * max(ss, 0.0))
        out.append(((pt - pp) / denom if denom > 1e-12 else 0.0, b))
    return out


def _chain_crossings(chains: Sequence[set[str]]) -> list[tuple[float, int]]:
    """(share of the smaller side's stems found on both sides, b) for every boundary b, incrementally."""
    after: Counter[str] = Counter(s for c in chains for s in c)
    n_after = len(after)
    before: set[str] = set()
    shared = 0
    out = []
    for b in range(1, len(chains)):
        for s in chains[b - 1]:
            after[s] -= 1
            if after[s] == 0:
                n_after -= 1
            if s not in before:
                before.add(s)
                if after[s] > 0:
                    shared += 1
            elif after[s] == 0:
                shared -= 1
        out.append((shared / max(1, min(len(before), n_after)), b))
    return out


@dataclass
class Unit:
    """A paragraph (or a short paragraph merged with the next) with its 1-based paragraph numbers."""

    paragraphs: list[int]
    tokens: list[Token]
    words: int

    @property
    def label(self) -> str:
        first, last = self.paragraphs[0], self.paragraphs[-1]
        return f"paragraph {first}" if first == last else f"paragraphs {first}-{last}"


def make_units(paragraphs: Sequence[str], vocab: Vocabulary) -> list[Unit]:
    """Merge paragraphs shorter than MIN_UNIT_WORDS into the next one (the last into the previous)."""
    units: list[Unit] = []
    pending: Unit | None = None
    for i, text in enumerate(paragraphs, start=1):
        if not text.strip():
            continue
        toks = tokens(text, vocab)
        words = len(text.split())
        if pending is None:
            pending = Unit([i], toks, words)
        else:
            pending = Unit(pending.paragraphs + [i], pending.tokens + toks, pending.words + words)
        if pending.words >= MIN_UNIT_WORDS:
            units.append(pending)
            pending = None
    if pending is not None:
        if units:
            last = units[-1]
            units[-1] = Unit(last.paragraphs + pending.paragraphs, last.tokens + pending.tokens,
                             last.words + pending.words)
        else:
            units.append(pending)
    return units


def strip_site_suffix(title: str) -> str:
    """'Fire in Jurupa Valley - CBS Los Angeles' → 'Fire in Jurupa Valley': the outlet is not the story.
    Up to three trailing segments go, as long as at least three words of headline remain."""
    title = normalize(title).strip()
    for _ in range(3):
        m = _SITE_SUFFIX.search(title)
        if not m:
            break
        segment = next(g for g in m.groups() if g is not None)
        words = segment.split()
        looks_like_name = 0 < len(words) <= 5 and all(
            w[0].isupper() or w[0].isdigit() or w.lower() in _NAME_CONNECTORS for w in words)
        if not looks_like_name or len(title[: m.start()].split()) < 3:
            break
        title = title[: m.start()].rstrip(" -|:")
    return title


# Raw measurements. Similarities enter the model as log(x + 0.01) (their spread is multiplicative), the
# rest as they are; the model file lists the inputs it uses.
HEADLINE_FEATURES = (
    "ent_cov",  # IDF-weighted share of headline entities found in the body
    "ent_missing",  # headline entities missing from the body (capped at 3)
    "ent_lead",  # share of headline entities found in the lead
    "term_cov",  # IDF-weighted share of headline terms found in the body
    "head_lead_cos",  # TF-IDF cosine headline / lead
    "head_body_cos",  # TF-IDF cosine headline / whole body
    "head_tail_cos",  # TF-IDF cosine headline / second half of the body
    "head_reach",  # share of paragraphs that mention a headline term
)
BODY_FEATURES = (
    "adj_mean",  # mean similarity of a paragraph with its neighbours
    "adj_min",  # lowest similarity of a paragraph with its neighbours
    "shift_min",  # lowest similarity between the two paragraphs before and the two after a boundary
    "split_min",  # lowest similarity between the two parts of the body split at one boundary
    "split_min2",  # the same with at least two paragraphs on each side
    "chain_min",  # at the weakest boundary, share of entities and rare terms on the smaller side found on both
    "pair_mean",  # mean similarity over all pairs of paragraphs
    "lead_rest_cos",  # similarity of the first paragraph with the rest: the lead announces the story
    "continuity",  # share of paragraphs sharing an entity or rare term with the rest of the body
    "lead_reach",  # share of later paragraphs mentioning an entity/rare term of the lead or headline
    "gap_run",  # longest run of paragraphs without any, as a share of the body
    "tail_gap",  # paragraphs after the last mention, as a share of the body
    "unintroduced",  # people first named as "Mr X" / "Ms X" with no earlier full name (capped at 3)
    "units",  # number of paragraphs after merging short ones
)
FEATURES = HEADLINE_FEATURES + BODY_FEATURES
LOGGED = frozenset({"head_lead_cos", "head_body_cos", "head_tail_cos", "adj_mean", "shift_min", "split_min",
                    "split_min2", "pair_mean", "lead_rest_cos", "units"})
RARE_IDF = 3.5  # a stem in fewer than ~5% of news articles counts as a rare term
CHAIN_IDF = 2.5  # lexical chains: stems in fewer than ~15% of news articles
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s$")


def transform(name: str, value: float) -> float:
    return math.log(value + (1.0 if name == "units" else 0.01)) if name in LOGGED else value


@dataclass
class Analysis:
    """Features plus the evidence behind them, so that reasons can name paragraphs and entities."""

    features: dict[str, float | None]
    head_entities: list[str]
    missing_entities: list[str]
    lead_label: str
    worst_unit: str | None = None
    worst_boundary: str | None = None
    split_boundary: str | None = None
    split2_boundary: str | None = None
    chain_boundary: str | None = None
    isolated: list[str] | None = None
    gap: str | None = None
    unintroduced: list[str] | None = None
    n_units: int = 0


def _unintroduced(texts: Sequence[str]) -> tuple[int, list[str]]:
    """Names whose first appearance is "Mr X": news introduces people in full first, so a body that starts
    a person at "Mr X" was cut from a longer story. The first paragraph is exempt (some outlets open so)."""
    seen: set[str] = set()
    found: list[str] = []
    for k, text in enumerate(texts):
        text = normalize(text)
        for m in _WORD.finditer(text):
            word = m.group(0)
            if not word[0].isupper():
                continue
            s = stem(word)
            if k > 0 and s not in seen and _HONORIFIC.search(text[max(0, m.start() - 5) : m.start()]):
                found.append(word)
            seen.add(s)
    return min(3, len(found)), found


def analyse(title: str | None, paragraphs: Sequence[str], vocab: Vocabulary) -> Analysis:
    """Compute the raw features (None where they cannot be measured: no headline, or too few paragraphs)."""
    units = make_units(paragraphs, vocab)
    n = len(units)
    vecs = [tfidf((t.stem for t in u.tokens), vocab) for u in units]
    unit_stems = [{t.stem for t in u.tokens} for u in units]
    body_stems = set().union(*unit_stems) if units else set()
    f: dict[str, float | None] = dict.fromkeys(FEATURES)
    f["units"] = float(n)

    lead_units: list[int] = []
    words = 0
    for i, u in enumerate(units):
        lead_units.append(i)
        words += u.words
        if words >= LEAD_WORDS:
            break
    lead_stems = set().union(*(unit_stems[i] for i in lead_units)) if units else set()
    last_lead = units[lead_units[-1]].paragraphs[-1] if units else 1
    lead_label = f"paragraphs 1-{last_lead}" if last_lead > 1 else "paragraph 1"
    a = Analysis(f, [], [], lead_label, n_units=n)

    head: list[Token] = []
    if title and title.strip() and units:
        head = tokens(strip_site_suffix(title), vocab, headline=True)
        ents: dict[str, Token] = {}
        for t in head:
            if t.entity:
                ents.setdefault(t.stem, t)
        acronyms = [t.word for t in ents.values() if t.word.isupper()]
        body_index = EntityIndex(paragraphs, body_stems, acronyms)
        lead_index = EntityIndex([paragraphs[p - 1] for i in lead_units for p in units[i].paragraphs], lead_stems,
                                 acronyms)
        present = {s for s, t in ents.items() if body_index.has(t)}
        a.head_entities = [t.word for t in ents.values()]
        a.missing_entities = [t.word for s, t in ents.items() if s not in present]
        if ents:
            total = sum(vocab.idf(s) for s in ents)
            f["ent_cov"] = sum(vocab.idf(s) for s in present) / total
            f["ent_lead"] = sum(1 for t in ents.values() if lead_index.has(t)) / len(ents)
        else:
            f["ent_cov"], f["ent_lead"] = 1.0, 1.0
        f["ent_missing"] = float(min(3, len(a.missing_entities)))
        terms = {t.stem for t in head}
        if terms:
            total = sum(vocab.idf(s) for s in terms)
            f["term_cov"] = sum(vocab.idf(s) for s in terms if s in body_stems) / total
            hvec = tfidf((t.stem for t in head), vocab)
            f["head_lead_cos"] = cosine(hvec, add([vecs[i] for i in lead_units]))
            f["head_body_cos"] = cosine(hvec, add(vecs))
            f["head_tail_cos"] = cosine(hvec, add(vecs[n // 2 :]))
            f["head_reach"] = sum(1 for s in unit_stems if s & terms) / n

    if n >= 2:
        f["lead_rest_cos"] = cosine(vecs[0], add(vecs[1:]))
        keys = [{t.stem for t in u.tokens if t.entity or vocab.idf(t.stem) >= RARE_IDF} for u in units]
        anchor = keys[0] | {t.stem for t in head}
        mentions = [bool(k & anchor) for k in keys]
        f["lead_reach"] = sum(mentions[1:]) / (n - 1)
        last = max(i for i in range(n) if i == 0 or mentions[i])
        f["tail_gap"] = (n - 1 - last) / n
        run = best = best_end = 0
        for i in range(1, n):
            run = 0 if mentions[i] else run + 1
            if run > best:
                best, best_end = run, i
        f["gap_run"] = best / n
        if best:
            start = units[best_end - best + 1].paragraphs[0]
            end = units[best_end].paragraphs[-1]
            a.gap = (f"paragraphs {start}-{end}" if end > start else f"paragraph {start}") + (
                " mention no entity or rare term of the headline and lead")
        count, names = _unintroduced([" ".join(paragraphs[p - 1] for p in u.paragraphs) for u in units])
        f["unintroduced"] = float(count)
        a.unintroduced = names

    if n >= 3:
        neigh = []
        for i in range(n):
            around = [vecs[j] for j in (i - 1, i + 1) if 0 <= j < n]
            neigh.append(cosine(vecs[i], add(around)))
        f["adj_mean"] = sum(neigh) / n
        worst = min(range(n), key=lambda i: neigh[i])
        f["adj_min"] = neigh[worst]
        a.worst_unit = f"{units[worst].label} shares {neigh[worst]:.2f} similarity with its neighbours"

        shifts = [(cosine(add(vecs[max(0, b - 2) : b]), add(vecs[b : b + 2])), b) for b in range(1, n)]
        value, b = min(shifts)
        f["shift_min"] = value
        a.worst_boundary = (f"topic shift between paragraphs {units[b - 1].paragraphs[-1]} and "
                            f"{units[b].paragraphs[0]}: the paragraphs around it share {value:.2f} similarity")

        def split_text(b: int, value: float) -> str:
            return (f"paragraphs 1-{units[b - 1].paragraphs[-1]} and {units[b].paragraphs[0]}-"
                    f"{units[-1].paragraphs[-1]} share {value:.2f} similarity")

        splits = _split_similarities(vecs)
        value, b = min(splits)
        f["split_min"] = value
        a.split_boundary = split_text(b, value)
        if n >= 4:
            value, b = min(s for s in splits if 2 <= s[1] <= n - 2)
            f["split_min2"] = value
            a.split2_boundary = split_text(b, value)
        chains = [{t.stem for t in u.tokens if t.entity or vocab.idf(t.stem) >= CHAIN_IDF} for u in units]
        value, b = min(_chain_crossings(chains))
        f["chain_min"] = value
        a.chain_boundary = (f"only {value:.0%} of the entities and rarer terms on the smaller side of the boundary "
                            f"between paragraphs {units[b - 1].paragraphs[-1]} and {units[b].paragraphs[0]} "
                            f"appear on both sides")
        # Mean cosine over pairs of (unit or empty) vectors: (|sum|^2 - sum |v|^2) / (n (n - 1)).
        total = add_raw(vecs)
        norms = sum(sum(x * x for x in v.values()) for v in vecs)
        f["pair_mean"] = (sum(x * x for x in total.values()) - norms) / (n * (n - 1))

        units_with: Counter[str] = Counter(s for k in keys for s in k)
        a.isolated = [u.label for u, k in zip(units, keys, strict=True) if not any(units_with[s] > 1 for s in k)]
        f["continuity"] = 1 - len(a.isolated) / n
    return a


@lru_cache(maxsize=1)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    data = json.loads(Path(path or models_dir() / "news_idf.json").read_text(encoding="utf-8"))
    return Vocabulary(int(data["n_docs"]), {k: int(v) for k, v in data["df"].items()},
                      frozenset(data["proper"]))


@dataclass
class Logistic:
    """One logistic model over standardised, transformed features; a feature that cannot be measured takes
    the coherent training median."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    fill: dict[str, float]

    def logit(self, raw: dict[str, float | None]) -> float:
        z = self.intercept
        for name, m, s, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            value = raw.get(name)
            x = self.fill[name] if value is None else transform(name, value)
            z += w * (x - m) / s
        return z


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass
class Model:
    """Three views of incoherence, any one of which is enough:

    - a headline model (logistic: coherent vs headline-swapped articles, headline features);
    - a body model (logistic: coherent vs stitched articles, all features);
    - entity evidence: the log-likelihood ratio (swapped vs coherent training articles) of the number of
      headline entities missing from the body, heard only from the smallest count that fewer than 1% of
      coherent articles reach (2 on the news data). Without it, a same-topic body whose words echo the
      headline outvotes the absence of the headline's own subjects in the linear models.
    Each is put on one scale (0 = the 99th percentile of coherent training articles; the evidence relative
    to one count below its minimum), the largest decides, and a Platt fit on the training data turns it into
    a probability (under balanced classes). The threshold flags 1% of the coherent training articles.
    """

    headline: Logistic
    body: Logistic
    entity_min: int
    entity_llr: list[float]  # by number of missing headline entities, 0..3
    combine: dict[str, float]  # offset_head, offset_body, platt_a, platt_b
    threshold: float
    limits: dict[str, float]  # per raw feature: the level beyond which a reason is stated

    def entity_evidence(self, raw: dict[str, float | None]) -> float | None:
        missing = raw.get("ent_missing")
        if missing is None or missing < self.entity_min:
            return None
        k = min(int(missing), len(self.entity_llr) - 1)
        return max(self.entity_llr[self.entity_min : k + 1]) - self.entity_llr[self.entity_min - 1]

    def parts(self, raw: dict[str, float | None]) -> tuple[float, float, float, float | None]:
        """(score, headline-model probability, body-model probability, entity evidence or None)."""
        zh, zb = self.headline.logit(raw), self.body.logit(raw)
        c = self.combine
        z = max(zh - c["offset_head"], zb - c["offset_body"])
        ze = self.entity_evidence(raw)
        if ze is not None:
            z = max(z, ze)
        return _sigmoid(c["platt_a"] * z + c["platt_b"]), _sigmoid(zh), _sigmoid(zb), ze


def _logistic(data: dict[str, Any]) -> Logistic:
    return Logistic(list(data["features"]), data["mean"], data["scale"], data["coef"], float(data["intercept"]),
                    data["fill"])


@lru_cache(maxsize=1)
def load_model(path: str | None = None) -> Model:
    data = json.loads(Path(path or models_dir() / "coherence.json").read_text(encoding="utf-8"))
    entity = data["entity_evidence"]
    return Model(_logistic(data["headline_model"]), _logistic(data["body_model"]), int(entity["min_missing"]),
                 [float(v) for v in entity["llr"]], data["combine"], float(data["threshold"]), data["limits"])


def _reasons(a: Analysis, model: Model) -> list[str]:
    """Reasons for the measurements that fall where few coherent news articles do (model.limits)."""
    f, lim = a.features, model.limits
    out: list[str] = []

    def low(name: str) -> bool:
        return f[name] is not None and f[name] < lim[name]

    if a.head_entities and (a.missing_entities or f["ent_lead"] == 0):
        found = len(a.head_entities) - len(a.missing_entities)
        text = f"headline entities {', '.join(a.head_entities)}: {found} of {len(a.head_entities)} appear in the body"
        if a.missing_entities and found:
            text += f" (missing: {', '.join(a.missing_entities)})"
        if found and f["ent_lead"] == 0:
            text += f"; none in the lead ({a.lead_label})"
        out.append(text)
    if low("term_cov"):
        out.append(f"headline terms found in the body (IDF-weighted): {f['term_cov']:.2f}, below {lim['term_cov']:.2f}")
    if low("head_lead_cos"):
        out.append(f"headline shares {f['head_lead_cos']:.2f} similarity with the lead ({a.lead_label}), "
                   f"below {lim['head_lead_cos']:.2f}")
    if low("head_reach"):
        out.append(f"{f['head_reach']:.0%} of paragraphs mention a headline term, below {lim['head_reach']:.0%}")
    if low("adj_min"):
        out.append(f"{a.worst_unit}, below {lim['adj_min']:.2f}")
    if low("shift_min"):
        out.append(f"{a.worst_boundary}, below {lim['shift_min']:.2f}")
    if low("split_min2"):
        out.append(f"{a.split2_boundary}, below {lim['split_min2']:.2f}")
    elif low("split_min"):
        out.append(f"{a.split_boundary}, below {lim['split_min']:.2f}")
    if low("chain_min"):
        out.append(f"{a.chain_boundary}, below {lim['chain_min']:.0%}")
    if low("lead_rest_cos"):
        out.append(f"the first paragraph shares {f['lead_rest_cos']:.2f} similarity with the rest, "
                   f"below {lim['lead_rest_cos']:.2f}")
    if f["gap_run"] is not None and f["gap_run"] > lim["gap_run"] and a.gap:
        out.append(f"{a.gap} ({f['gap_run']:.0%} of the body, above {lim['gap_run']:.0%})")
    if low("continuity") and a.isolated:
        shown = ", ".join(a.isolated[:4]) + (" ..." if len(a.isolated) > 4 else "")
        out.append(f"{len(a.isolated)} of {a.n_units} paragraphs share no entity or rare term with the rest "
                   f"({shown})")
    if a.unintroduced:
        out.append(f"people first named without introduction (as if cut from another story): "
                   f"{', '.join(a.unintroduced[:4])}")
    return out


def score_incoherence(title: str | None, paragraphs: list[str]) -> Flag:
    """The `incoherent` flag for a headline and its body paragraphs (score = model probability)."""
    vocab, model = load_vocabulary(), load_model()
    analysis = analyse(title, paragraphs, vocab)
    score, p_head, p_body, evidence = model.parts(analysis.features)
    flagged = score >= model.threshold
    head = (f"incoherence score {score:.2f} {'≥' if flagged else '<'} threshold {model.threshold:.2f} "
            f"(headline-body mismatch {p_head:.2f}, body from several stories {p_body:.2f}")
    if evidence is not None:
        head += f", missing headline entities: log-likelihood ratio {evidence:+.1f} over coherent news"
    head += ")"
    if not (title and title.strip()):
        head += "; no headline: judged on the body alone"
    return Flag(flagged, score, model.threshold, [head] + _reasons(analysis, model))


class IncoherenceScorer:
    """Sets `doc.flags["incoherent"]` from the title and the kept paragraph and list-item blocks."""

    name = "incoherent"

    def run(self, doc: Document) -> None:
        paragraphs = [b.text for b in doc.kept_blocks if b.kind in ("paragraph", "list_item")]
        doc.flags[self.name] = score_incoherence(doc.title, paragraphs)


def feature_row(title: str | None, paragraphs: Sequence[str], vocab: Vocabulary) -> dict[str, float | None]:
    """The raw features (None = not measurable), for the training and bench tools."""
    return analyse(title, paragraphs, vocab).features
