"""Block classifier: how likely each block (a line of text, or a line of an HTML page) is boilerplate.

Rule packs catch what a site or a language says explicitly ("Related Articles"); this model decides the
rest from the block's shape and its surroundings: length, punctuation, stop words, capitalisation,
link-like or teaser-like shape, position, likeness to the headline and to the body, the neighbours'
shape (context windows), and in HTML its link density, tags, class names and container (see
cleaner.html). Two stages of gradient-boosted trees (trained by tools/train_blocks.py, committed as JSON
in cleaner/models/): stage 1 judges each block, stage 2 adds the stage-1 scores of the blocks around it,
so a short line inside a run of prose is kept while the same line amid a menu is dropped.

The trees are evaluated here (no scikit-learn at run time): by the compiled core cleaner/_trees_core.c when it
was built (tools/build_native.py), which also computes the stage-2 and context window features, else with numpy
(the reference and the fallback: the same numbers, bit for bit). Each reason names the features that pushed the
score most (path attribution over the trees, in the trees core too) and the score itself.

A document's blocks are a few dozen rows: a numpy call costs more than its arithmetic there, so the glue around the
cores keeps to few of them (stage 2's columns written beside the block features, the sigmoid's last steps, the
ranking of the reasons' features, the headline's columns and scores()' key of the blocks in the cores).

The blocks' text features (_text_matrix, and the document columns of _text_part_of) are computed by
`cleaner._features_core` where it is built: one pass over each block's characters in C, the rare regex columns
confirmed here where it found they can match. The Python code below stays the reference and the fallback, with
the same values bit for bit (tests/test_features_core.py).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from functools import cache, lru_cache
from itertools import accumulate, chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.document import Block
from cleaner.paths import models_dir
from cleaner.prose import split_count

try:  # _text_matrix's per-character and per-word pass, compiled (tools/build_native.py builds it at install)
    from cleaner import _features_core as _COMPILED
except ImportError:  # not built (no C compiler at install, or CLEANER_NO_NATIVE): the Python code runs, slower
    _COMPILED = None
_core = _COMPILED  # what _text_matrix and _text_part_of call (tests set it to None to run the Python code)
try:  # the trees, stage 2's features and the context windows compiled
    from cleaner import _trees_core as _COMPILED_TREES
except ImportError:  # not built: the numpy code, the same answers, slower
    _COMPILED_TREES = None
_tree_core = _COMPILED_TREES  # what Trees, stage2_features and _context call (None: the numpy code)

# A few of the commonest function words of the languages news comes in: prose is full of them, menus,
# bylines and teasers' title case are not. Language-agnostic enough for a feature, not a language test.
STOP_WORDS = frozenset("""
a an the and or but of to in on at for with from by as is are was were be been being it its this that these
those he she they we you i his her their our your not no than then so if there which who whom what when where
will would can could has have had do does did also into about after over more most such only other
der die das und oder aber nicht ist sind war ein eine einer eines dem den des zu im mit von auf für als auch
sich es sie er wir ihr dass wie bei nach aus noch nur wird werden hat haben
le la les et ou mais de du des un une est sont dans pour par sur avec pas que qui ce cette il elle ils nous
vous en au aux se son sa ses leur plus
el los las y o pero del al es son en por para con no que se su sus una lo como más fue
o os as e ou mas do da dos das um uma é são em no na nos nas por para com não que se seu sua como mais foi
il lo gli e o ma di del della dei un una è sono in per con non che si suo sua come più
de het een en of maar van in op voor met niet dat die is zijn was er ook als aan bij
и в во не на с со что как а но из к по за от до о об для это так же он она они мы вы его её их был была
yang dan di ke dari untuk dengan ini itu pada dalam tidak akan juga adalah oleh
""".split())

_WORD = re.compile(r"\w+", re.UNICODE)
_LETTER_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SENT_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*$")
_SENT_INNER = re.compile(r"[.!?。！？][\"'”’»)]*\s+\S")
_BULLET = re.compile(r"^(?:[•·▪►▸◦‣∙●○■□\-–—*+>]|\d{1,3}[.)]|[a-z][.)])\s")
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATE = re.compile(rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})\.?\s+\d{{1,2}}"
                   rf"(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\.?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|\d{{4}}年)", re.I)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d+\s*(?:min|mins|minutes|hours?|hrs?|days?|h)\s+ago\b", re.I)
_SEPARATORS = re.compile(r"\s[|·•»/]\s|\s[-–—]\s")
_URLISH = re.compile(r"https?://|www\.|\.com\b|@\w|#\w")
_COPYRIGHT = re.compile(r"©|\(c\)|copyright|all rights reserved", re.I)
# a comment thread announces itself: "N Comments", "Leave a reply", "jane says:", "Reply", "Flag". Not a lone
# "Report": it is also the button under an embedded post in the middle of an article (BBC's tweets)
_COMMENT_HEAD = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reactions?|kommentare?|commentaires?|comentarios?|"
    r"commenti|коммента\w*|reacties|discussion|leave a (?:reply|comment)|post a comment|add a comment|"
    r"join the (?:discussion|conversation)|show comments|view comments)\b", re.I)
_COMMENT_LINE = re.compile(r"\b(?:says|said|wrote|writes|schreibt|dit|dice|escribió)\s*:\s*$|^(?:reply|antworten|"
                           r"répondre|responder|rispondi|flag|like|upvote|\d+\s+likes?)$", re.I)

#: neighbour offsets whose core features every block sees
_OFFSETS = (-3, -2, -1, 1, 2, 3)
_CORE = ("log_words", "ends_sentence", "stop_frac", "title_case", "prose")
_CORE_HTML = ("link_density", "cand_in_top", "cand_ratio")
_WINDOWS = (2, 5, 15)


def _text_features(text: str) -> dict[str, float]:
    """Shape of one block's text: everything that can be read off the string alone."""
    words = _WORD.findall(text)
    n_words = len(words)
    n_chars = len(text)
    letters = sum(map(str.isalpha, text))
    upper = sum(map(str.isupper, text))
    digits = sum(map(str.isdigit, text))
    spaces = text.count(" ")
    punct = n_chars - letters - digits - spaces
    cjk = len(_CJK.findall(text))
    alpha_words = _LETTER_WORD.findall(text)
    title_case = sum(w[0].isupper() for w in alpha_words) / len(alpha_words) if alpha_words else 0.0
    lower_words = [w.lower() for w in words]
    stops = sum(w in STOP_WORDS for w in lower_words)
    ends_sentence = 1.0 if _SENT_END.search(text) else 0.0
    if cjk > 0.3 * max(n_chars, 1):
        n_words = max(n_words, cjk // 2)  # no spaces: count characters as a proxy for words
    prose = 1.0 if (n_words >= 12 and ends_sentence) or n_words >= 25 else 0.0
    return {
        "log_chars": math.log1p(n_chars),
        "log_words": math.log1p(n_words),
        "mean_word_len": (sum(map(len, words)) / len(words)) if words else 0.0,
        "alpha_frac": letters / max(n_chars, 1),
        "digit_frac": digits / max(n_chars, 1),
        "punct_frac": punct / max(n_chars, 1),
        "upper_frac": upper / max(letters, 1),
        "title_case": title_case,
        "stop_frac": stops / max(len(words), 1),
        "ends_sentence": ends_sentence,
        "ends_colon": 1.0 if text.rstrip().endswith((":", "：")) else 0.0,
        "ends_other": 1.0 if text[-1:] in "»›>|…-–—" else 0.0,
        "sentences": float(len(_SENT_INNER.findall(text))),
        "commas_per_word": (text.count(",") + text.count("、") + text.count("，")) / max(n_words, 1),
        "bullet": 1.0 if _BULLET.match(text) else 0.0,
        "starts_digit": 1.0 if text[:1].isdigit() else 0.0,
        "starts_lower": 1.0 if text[:1].islower() else 0.0,
        "has_date": 1.0 if _DATE.search(text) else 0.0,
        "has_time": 1.0 if _TIME.search(text) else 0.0,
        "separators": float(len(_SEPARATORS.findall(text))),
        "urlish": 1.0 if _URLISH.search(text) else 0.0,
        "copyright": 1.0 if _COPYRIGHT.search(text) else 0.0,
        "quote_start": 1.0 if text[:1] in "\"“„«'‘" else 0.0,
        "cjk_frac": cjk / max(n_chars, 1),
        "all_caps": 1.0 if letters >= 3 and upper == letters else 0.0,
        "comment_head": 1.0 if n_words <= 8 and _COMMENT_HEAD.match(text) else 0.0,
        "comment_line": 1.0 if n_words <= 10 and _COMMENT_LINE.search(text) else 0.0,
        "prose": prose,
    }


_TEXT_NAMES = tuple(_text_features("x"))
_TEXT_COL = {k: i for i, k in enumerate(_TEXT_NAMES)}
# (index arrays, not lists: numpy would convert a list at every use)
_CORE_IDX = np.array([_TEXT_COL[c] for c in _CORE], dtype=np.intp)
_WINDOW_IDX = np.array([_TEXT_COL[c] for c in ("prose", "log_words", "stop_frac")], dtype=np.intp)
_CORE_COLS, _WINDOW_COLS = tuple(_CORE_IDX.tolist()), tuple(_WINDOW_IDX.tolist())  # (for the compiled core)
#: a text document's matrix before stage 2: text columns, document columns, context (_context's)
_TEXT_ONLY_WIDTH = len(_TEXT_NAMES) + 25 + len(_OFFSETS) * len(_CORE) + len(_WINDOWS) * len(_WINDOW_IDX)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _norm_tokens(text: str) -> list[str]:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return [w.lower() for w in _WORD.findall(text)]


def feature_names(html: bool) -> list[str]:
    """Column names of the feature matrix, in order (the model JSON stores them; they must match)."""
    return list(_feature_names(html))


@cache
def _feature_names(html: bool) -> tuple[str, ...]:
    names = list(_TEXT_NAMES)
    names += ["blank_before", "blank_after", "pos", "pos_chars", "n_blocks_log", "doc_prose_frac",
              "rel_first_prose", "rel_last_prose", "dist_prev_prose", "dist_next_prose", "between_prose",
              "title_sim", "title_contained", "repeat_count", "body_vocab", "same_as_prev_shape",
              "title_line_dist", "after_title", "region_share", "in_main_region", "main_region_dist",
              "main_region_share", "comment_marks_before", "comment_marks_near", "comment_head_before"]
    core = list(_CORE) + (list(_CORE_HTML) if html else [])
    for off in _OFFSETS:
        names += [f"n{off:+d}_{c}" for c in core]
    for w in _WINDOWS:
        names += [f"w{w}_prose", f"w{w}_log_words", f"w{w}_stop_frac"] + ([f"w{w}_link_density"] if html else [])
    if html:
        from cleaner.html import DOM_FEATURES

        names += list(DOM_FEATURES)
    return tuple(names)


def _title_tokens(title: str | None) -> set[str]:
    return set(_norm_tokens(title)) if title else set()


# --------------------------------------------------------------------------------------------------
# the feature matrix, computed per document: one pass over the characters (numpy), one scan per
# pattern over the whole document, Python only where a block's words must be looked at
# --------------------------------------------------------------------------------------------------

# The per-block patterns above are run once per document, on the blocks joined by _JOIN (no pattern can
# match across it), and mostly not at all: a date or a time starts at a number, so only the numbers are
# tried (`_DATE_AT`, `_TIME_AT`: _DATE and _TIME without their leading \b, which holds there); the
# month-first date form needs a month name, which is always a whole word, so it is looked up among the
# block's words and then confirmed with _DATE itself; the other patterns need a literal the document
# must contain first.
_DATE_AT = re.compile(rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
                      rf"\d{{1,2}}\.?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|\d{{4}}年)", re.I)
_TIME_AT = re.compile(r"\d{1,2}:\d{2}\b|\d+\s*(?:min|mins|minutes|hours?|hrs?|days?|h)\s+ago\b", re.I)
_MONTH_WORDS = frozenset("jan january feb february mar march apr april may jun june jul july aug august sep sept "
                         "september oct october nov november dec december".split())
_URL_HINTS = ("@", "#", "http", "www.", ".com")
#: _COPYRIGHT's literals in lower case: a block it matches holds one in its str.lower() (without _FOLD_ODD)
_COPYRIGHT_LITERALS = ("©", "(c)", "copyright", "all rights reserved")
# The only characters that re.IGNORECASE matches to an ASCII letter other than the letter's own two
# cases (İ ı ſ, and the Kelvin sign): where none occurs, str.lower() is the patterns' case folding.
_FOLD_ODD = "\u0130\u0131\u017f\u212a"
_ENDERS = ".!?。！？…"
_CLOSERS = "\"'”’»)]"
_SEPARATOR_CHARS = "|·•»/-–—"
_JOIN = "\x00"  # between blocks in a document's joined text
if _COMPILED is not None:  # (it raises if its columns are not these: a stale build)
    _COMPILED.setup(STOP_WORDS, _MONTH_WORDS, _TEXT_NAMES)

# per-character classes, one table lookup per character (bits 0-7 are counted per block, 8-9 searched)
_F_ALPHA, _F_UPPER, _F_DIGIT, _F_WORD, _F_CJK, _F_DECIMAL, _F_LETTER, _F_PREV_LETTER = (1 << b for b in range(8))
_F_SEP, _F_ODD_SPACE = 1 << 8, 1 << 9
_STOP = STOP_WORDS.__contains__


def _char_flags(ch: str) -> int:
    r"""The character classes the text features use: str.isalpha/isupper/isdigit, regex \w and \d, the CJK
    ranges, regex [^\W\d_] (the letters of _LETTER_WORD), the separators of _SEPARATORS, and whitespace
    other than the space."""
    word = ch.isalnum() or ch == "_"
    return ((_F_ALPHA if ch.isalpha() else 0) | (_F_UPPER if ch.isupper() else 0)
            | (_F_DIGIT if ch.isdigit() else 0) | (_F_WORD if word else 0)
            | (_F_CJK if _CJK.match(ch) else 0) | (_F_DECIMAL if ch.isdecimal() else 0)
            | (_F_LETTER if word and ch != "_" and not ch.isdecimal() else 0)
            | (_F_SEP if ch in _SEPARATOR_CHARS else 0) | (_F_ODD_SPACE if ch.isspace() and ch != " " else 0))


@cache
def _bmp_flags() -> np.ndarray:
    """_char_flags of every character of the Basic Multilingual Plane (built once per process)."""
    return np.fromiter(map(_char_flags, map(chr, range(0x10000))), dtype=np.uint16, count=0x10000)


def _flags_of(codes: np.ndarray) -> np.ndarray:
    table = _bmp_flags()
    if not codes.size or int(codes.max()) < 0x10000:
        return np.take(table, codes)
    flags = np.empty(codes.shape, dtype=np.uint16)
    small = codes < 0x10000
    flags[small] = table[codes[small]]
    uniq, inverse = np.unique(codes[~small], return_inverse=True)
    flags[~small] = np.array([_char_flags(chr(int(c))) for c in uniq], dtype=np.uint16)[inverse]
    return flags


_FIELD = 21  # bits of one count in a packed int64: three counts a number, blocks up to 2M characters


def _count_tables() -> list[np.ndarray]:
    r"""What each of the 256 low-byte flag combinations adds to the per-block counts, three counts packed
    in an int64: letters, upper case, digits | word characters, CJK, letter runs ([^\W\d_]+) | letter runs
    that start upper case. (Sums of these, not a matrix product: numpy's BLAS would start threads.)"""
    v = np.arange(256)
    run = ((v & _F_LETTER) != 0) & ((v & _F_PREV_LETTER) == 0)
    counts = [(v & f) != 0 for f in (_F_ALPHA, _F_UPPER, _F_DIGIT, _F_WORD, _F_CJK)] + [run, run & ((v & _F_UPPER) != 0)]
    return [sum(counts[k].astype(np.int64) << (_FIELD * j) for j, k in enumerate(range(i, min(i + 3, 7))))
            for i in (0, 3, 6)]


_COUNT_TABLES = _count_tables()


def _count_matrix() -> np.ndarray:
    """What each of the 256 low-byte flag combinations adds to each of the seven counts, (256, 7) int64."""
    v = np.arange(256)
    run = ((v & _F_LETTER) != 0) & ((v & _F_PREV_LETTER) == 0)
    counts = [(v & f) != 0 for f in (_F_ALPHA, _F_UPPER, _F_DIGIT, _F_WORD, _F_CJK)] + [run, run & ((v & _F_UPPER) != 0)]
    return np.stack(counts, axis=1).astype(np.int64)


_COUNT_MATRIX = _count_matrix()
#: up to this many blocks the counts come from a histogram of (block, flag byte): n * 256 cells
_HISTOGRAM_BLOCKS = 2048


def _block_counts(low: np.ndarray, starts: list[int], lens: list[int]) -> np.ndarray:
    """The seven counts of _count_tables for each block (its characters and the joiner after it), (blocks, 7)
    float64. A histogram of each block's flag bytes times what each byte counts (integers, exact; numpy's own
    integer loop, no BLAS), the bytes that occur only; long documents: sums of packed counts."""
    n = len(lens)
    if n <= _HISTOGRAM_BLOCKS:
        owner = np.repeat(np.arange(0, n * 256, 256), np.array(lens) + 1)
        hist = np.bincount(owner + low, minlength=n * 256).reshape(n, 256)
        used = np.flatnonzero(hist.any(axis=0))
        return (hist[:, used] @ _COUNT_MATRIX[used]).astype(np.float64)
    return np.stack(_packed_counts(low, starts, lens), axis=1).astype(np.float64)


def _packed_counts(low: np.ndarray, starts: list[int], lens: list[int]) -> list[np.ndarray]:
    """The seven counts of _count_tables for each block, summed three at a time in packed int64s."""
    if max(lens) >= 1 << _FIELD:  # too long to pack: one count at a time
        owner = np.repeat(np.arange(len(lens)), np.array(lens) + 1)
        return [np.bincount(owner, weights=(t[low] >> (_FIELD * j)) & ((1 << _FIELD) - 1), minlength=len(lens))
                .astype(np.int64) for t in _COUNT_TABLES for j in range(3)][:7]
    mask = (1 << _FIELD) - 1
    out = []
    for table in _COUNT_TABLES:
        packed = np.add.reduceat(table[low], starts)
        out += [(packed >> (_FIELD * j)) & mask for j in range(3)]
    return out[:7]


def _month_first_date(text: str, months: set[str]) -> bool:
    """_DATE.search(text) for a block where no date starting with a number was found (_DATE_AT at every
    number) and none of _FOLD_ODD occurs: then only the month-first form can match, and it starts at one of
    the block's words that is a month name (`months`, in lower case), found in the lowered text; _DATE is
    tried there alone instead of at every position."""
    lowered = text.lower()
    if len(lowered) != len(text):  # (a character whose lower case is longer: positions would shift)
        return bool(_DATE.search(text))
    for month in months:
        at = lowered.find(month)
        while at >= 0:
            if _DATE.match(text, at):
                return True
            at = lowered.find(month, at + 1)
    return False


def _text_matrix(texts: list[str]) -> tuple[np.ndarray, list[list[str]], list[int], list[int]]:
    r"""The _TEXT_NAMES columns of all blocks (stripped texts) at once, equal to _text_features block by
    block; each block's words in lower case (regex \w runs, as _text_features finds them); its length; its
    number of whitespace-separated words."""
    if not texts:  # (no block: the numpy code below needs one)
        return np.zeros((0, len(_TEXT_NAMES))), [], [], []
    if _core is not None:
        return _compiled_text_matrix(texts)
    n = len(texts)
    lens = [len(t) for t in texts]
    starts = [0, *accumulate(length + 1 for length in lens)][:n]
    joined = _JOIN.join(texts) + _JOIN
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    flags = _flags_of(codes)
    # per block counts of character classes: a histogram of each block's low flag bytes
    low = flags.astype(np.uint8)
    low[1:] |= (low[:-1] & _F_LETTER) << 1  # _F_PREV_LETTER: a letter run starts where it is unset
    char_counts = _block_counts(low, starts, lens)
    letters, upper, digits, word_chars, cjk, runs, runs_upper = char_counts.T
    # the words: every non-word character made a space, in lower case, split per block
    mapped = np.where(flags & _F_WORD, codes, np.uint32(32)).astype("<u4", copy=False)
    mapped[[s - 1 for s in starts[1:]] + [len(codes) - 1]] = 0
    lowered = mapped.tobytes().decode("utf-32-le", "surrogatepass").lower()
    pieces = lowered.split(_JOIN)
    fold_odd = any(c in joined for c in _FOLD_ODD)

    # the patterns, over the whole document (block of a match: bisect in starts)
    sentences = [0] * n
    for m in _SENT_INNER.finditer(joined):
        sentences[bisect_right(starts, m.start()) - 1] += 1
    separators = [0] * n
    last = -3
    for q in np.flatnonzero(flags & _F_SEP).tolist():  # \s[|·•»/-–—]\s, not overlapping the last one
        if q - last >= 3 and q > 0 and joined[q - 1].isspace() and joined[q + 1].isspace():
            separators[bisect_right(starts, q) - 1] += 1
            last = q
    urlish = [False] * n
    if any(h in joined for h in _URL_HINTS):
        for m in _URLISH.finditer(joined):
            urlish[bisect_right(starts, m.start()) - 1] = True
    has_date = [False] * n
    has_time = [False] * n
    numbers = np.flatnonzero(flags & _F_DECIMAL)
    if numbers.size:  # where a number starts (\b\d; before the first block: the joiner at the end)
        may_time = ":" in joined or "ago" in lowered or fold_odd
        for q in numbers[(flags[numbers - 1] & _F_WORD) == 0].tolist():
            i = bisect_right(starts, q) - 1
            if not has_date[i] and _DATE_AT.match(joined, q):
                has_date[i] = True
            if may_time and not has_time[i] and _TIME_AT.match(joined, q):
                has_time[i] = True
    copyright_ = [False] * n
    if fold_odd or "©" in joined or "(c)" in joined or "(C)" in joined or "copyright" in lowered \
            or "all rights reserved" in lowered:
        folded = joined.lower()  # (a case-insensitive scan of the page is slow: the literals are looked up)
        if fold_odd or len(folded) != len(joined):
            copyright_ = [bool(_COPYRIGHT.search(t)) for t in texts]
        else:
            for literal in _COPYRIGHT_LITERALS:
                at = folded.find(literal)
                while at >= 0:
                    i = bisect_right(starts, at) - 1
                    copyright_[i] = copyright_[i] or bool(_COPYRIGHT.search(texts[i]))
                    at = folded.find(literal, starts[i] + lens[i])

    # block by block, a column at a time (C-level maps over the blocks where they do)
    words = [p.split() for p in pieces[:n]]
    raw = list(map(len, words))
    n_words = raw
    cjk_heavy: list[int] = []
    if cjk.any():  # (most documents have no CJK character at all)
        cjk_heavy = np.flatnonzero(cjk > 0.3 * np.maximum(np.array(lens, dtype=np.float64), 1.0)).tolist()
    if cjk_heavy:  # no spaces: count characters as a proxy for words
        n_words = raw.copy()
        for i in cjk_heavy:
            n_words[i] = max(raw[i], int(cjk[i]) // 2)
    for i in np.flatnonzero(digits >= 5).tolist():  # a month-first date has at least 5 digits
        if not has_date[i] and (fold_odd or not _MONTH_WORDS.isdisjoint(words[i])):
            t = texts[i]
            has_date[i] = bool(_DATE.search(t)) if fold_odd else _month_first_date(t, _MONTH_WORDS.intersection(words[i]))
    ends = [(t.rstrip(_CLOSERS)[-1:] or "x") in _ENDERS for t in texts]
    firsts = [t[:1] for t in texts]
    commas = list(map(str.count, texts, repeat(",")))
    if not joined.isascii():
        commas = [a + b + c for a, b, c in zip(commas, map(str.count, texts, repeat("、")),
                                                map(str.count, texts, repeat("，")), strict=True)]
    comment_head = [False] * n
    comment_line = [False] * n
    for i, k in enumerate(n_words):
        if k <= 10:
            t = texts[i]
            comment_head[i] = k <= 8 and _COMMENT_HEAD.match(t) is not None
            # (_COMMENT_LINE: a line ending in ':' or a word or two, "Reply", "12 likes")
            comment_line[i] = (raw[i] <= 2 or t.endswith(":")) and _COMMENT_LINE.search(t) is not None
    counts = np.array([  # (_COUNT_IDX values, then the other counts the fractions need; blocks)
        list(map(math.log1p, lens)), list(map(math.log1p, n_words)), sentences, separators,
        raw, n_words, list(map(sum, map(map, repeat(_STOP), words))), commas, list(map(str.count, texts, repeat(" "))),
        lens,
    ], dtype=np.float64)
    # the yes/no columns: bytes, one a block and column (a list of bools is slow to convert to floats)
    yes_no = np.frombuffer(bytes(chain(
        ends, map(str.endswith, texts, repeat((":", "："))), [t[-1:] in "»›>|…-–—" for t in texts],
        [m is not None for m in map(_BULLET.match, texts)], map(str.isdigit, firsts), map(str.islower, firsts),
        has_date, has_time, urlish, copyright_, [f in "\"“„«'‘" for f in firsts], comment_head, comment_line,
        [(k >= 12 and e) or k >= 25 for k, e in zip(n_words, ends, strict=True)],
    )), dtype=np.uint8).reshape(len(_YES_NO_IDX), n)
    base = np.empty((n, len(_TEXT_NAMES)))
    base[:, _COUNT_IDX] = counts[:4].T
    base[:, _YES_NO_IDX] = yes_no.T
    # every count side by side (_ALL_COUNTS), then each fraction is one column over the maximum of another and 1
    every = np.empty((n, len(_ALL_COUNTS)))
    every[:, :7] = char_counts
    every[:, 7:17] = counts.T
    every[:, 17] = every[:, 16] - letters - digits - every[:, 15]  # punctuation: chars - letters - digits - spaces
    base[:, _FRACTION_IDX] = every[:, _FRACTION_OF] / np.maximum(every[:, _FRACTION_OVER], 1.0)
    base[:, _TEXT_COL["all_caps"]] = (letters >= 3) & (upper == letters)
    if "  " in joined or (flags & _F_ODD_SPACE).any():
        spaced = [len(t.split()) for t in texts]
    else:  # single spaces between words: one more word than spaces
        spaced = [t.count(" ") + 1 if t else 0 for t in texts]
    return base, words, lens, spaced


#: what cleaner._features_core leaves to the regexes: (kind, block, position) where one can match
_CHECK_DATE, _CHECK_TIME, _CHECK_MONTH, _CHECK_COPYRIGHT, _CHECK_COMMENT_HEAD, _CHECK_COMMENT_LINE = range(6)


def _compiled_text_matrix(texts: list[str]) -> tuple[np.ndarray, list[list[str]], list[int], list[int]]:
    """_text_matrix by cleaner._features_core: one pass over each block's characters in C, then the regexes of the
    rare columns (dates, times, copyright, comment threads) only where that pass found they can match."""
    return _compiled_matrix(texts)[:4]


def _compiled_matrix(texts: list[str]) -> tuple[np.ndarray, list[list[str]], list[int], list[int],
                                                list[tuple[int, int, int, int, int]]]:
    """_compiled_text_matrix's values, and the blocks whose words NFKC may change, with the span of each where it
    may: (block, start, end, first_word, end_word) (_features_core's nfkc_span)."""
    matrix, words, lens, spaced, checks, fold_odd, _, spans = _core.text_matrix(texts)
    if checks:
        _confirm(memoryview(matrix).cast("d"), texts, words, checks, fold_odd)
    base = np.frombuffer(matrix, dtype=np.float64).reshape(len(texts), len(_TEXT_NAMES))
    return base, words, lens, spaced, spans


_N_TEXT = len(_TEXT_NAMES)
_HAS_DATE, _HAS_TIME, _COPYRIGHT_COL, _COMMENT_HEAD_COL, _COMMENT_LINE_COL = (_TEXT_COL[c] for c in (
    "has_date", "has_time", "copyright", "comment_head", "comment_line"))


def _confirm(cells: memoryview, texts: list[str], words: list[list[str]], checks: list[tuple[int, int, int]],
             fold_odd: bool) -> None:
    """The regex columns of the matrix (`cells`: its float64s, row by row) where cleaner._features_core found a
    regex can match: a date or a time at a number (_DATE_AT, _TIME_AT: _DATE and _TIME where they start with a
    number), then, in a block with five digits or more and no such date, the month-first date as _text_matrix's
    Python code finds it; the copyright and comment thread patterns on the block."""
    for kind, i, at in checks:
        t = texts[i]
        row = i * _N_TEXT
        if kind == _CHECK_DATE:
            if not cells[row + _HAS_DATE] and _DATE_AT.match(t, at):
                cells[row + _HAS_DATE] = 1.0
        elif kind == _CHECK_TIME:
            if not cells[row + _HAS_TIME] and _TIME_AT.match(t, at):
                cells[row + _HAS_TIME] = 1.0
        elif kind == _CHECK_MONTH:
            if not cells[row + _HAS_DATE] and (fold_odd or not _MONTH_WORDS.isdisjoint(words[i])):
                if _DATE.search(t) if fold_odd else _month_first_date(t, _MONTH_WORDS.intersection(words[i])):
                    cells[row + _HAS_DATE] = 1.0
        elif kind == _CHECK_COPYRIGHT:
            cells[row + _COPYRIGHT_COL] = _COPYRIGHT.search(t) is not None
        elif kind == _CHECK_COMMENT_HEAD:
            cells[row + _COMMENT_HEAD_COL] = _COMMENT_HEAD.match(t) is not None
        else:
            cells[row + _COMMENT_LINE_COL] = _COMMENT_LINE.search(t) is not None


# where _text_matrix puts its per-block values (numbers, then yes/no) and its fractions
_COUNT_IDX = [_TEXT_COL[c] for c in ("log_chars", "log_words", "sentences", "separators")]
_YES_NO_IDX = [_TEXT_COL[c] for c in (
    "ends_sentence", "ends_colon", "ends_other", "bullet", "starts_digit", "starts_lower", "has_date", "has_time",
    "urlish", "copyright", "quote_start", "comment_head", "comment_line", "prose")]
_FRACTION_IDX = [_TEXT_COL[c] for c in (
    "mean_word_len", "alpha_frac", "digit_frac", "punct_frac", "upper_frac", "title_case", "stop_frac",
    "commas_per_word", "cjk_frac")]
#: the columns of _text_matrix's counts side by side: _block_counts', its `counts` rows, punctuation
_ALL_COUNTS = ("letters", "upper", "digits", "word_chars", "cjk", "runs", "runs_upper", "log_chars", "log_words",
               "sentences", "separators", "raw_words", "n_words", "stops", "commas", "spaces", "chars", "punct")
#: each fraction of _FRACTION_IDX, in its order: a count over the maximum of another and 1
_FRACTIONS = (("word_chars", "raw_words"), ("letters", "chars"), ("digits", "chars"), ("punct", "chars"),
              ("upper", "letters"), ("runs_upper", "runs"), ("stops", "raw_words"), ("commas", "n_words"),
              ("cjk", "chars"))
_FRACTION_OF = [_ALL_COUNTS.index(count) for count, _ in _FRACTIONS]
_FRACTION_OVER = [_ALL_COUNTS.index(count) for _, count in _FRACTIONS]


@lru_cache(maxsize=1024)
def _layout(n: int) -> dict[str, Any]:
    """Index arithmetic that depends on the number of blocks alone (documents repeat their sizes)."""
    idx = np.arange(n)
    windows = {}
    for w in set(_WINDOWS) | set(_S2_WINDOWS):
        lo = np.maximum(idx - w, 0)
        hi = np.minimum(idx + w + 1, n)
        windows[w] = (lo, hi, (hi - lo).astype(np.float64))
    s2 = [windows[w] for w in _S2_WINDOWS]
    return {"idx": idx, "pos": idx / n, "log_n": math.log1p(n), "windows": windows,
            "near": (np.maximum(idx - 10, 0), np.minimum(idx + 11, n)),
            "s2_windows": tuple(np.stack([x[k] for x in s2], axis=1) for k in range(3)),
            # _context's rows of each block's neighbours, in its features padded with three rows either side
            "neighbours": idx[:, None] + 3 + np.array(_OFFSETS),
            "context_windows": tuple(np.stack([windows[w][k] for w in _WINDOWS], axis=1) for k in range(3)),
            # stage 2's p1 at i, i-2, i-1, i+1, i+2, in p1 padded with two blocks either side
            "s2_shifts": idx[:, None] + np.array([2, 0, 1, 3, 4])}


def block_features(blocks: list[Block], title: str | None) -> tuple[np.ndarray, list[str], bool]:
    """The feature matrix for a document's blocks (one row a block); HTML when the blocks carry DOM evidence."""
    X, names, html, _ = _features(blocks, title)
    return X, names, html


def _after_a_head(heads: np.ndarray) -> np.ndarray:
    """comment_head_before: 1.0 for each block below a comment-thread head (the 0/1 `heads` column)."""
    return np.concatenate([[0.0], np.maximum.accumulate(heads)])[: len(heads)]


def _features(blocks: list[Block], title: str | None, spare: int = 0, read: tuple[Any, ...] | None = None
              ) -> tuple[np.ndarray, list[str], bool, list[int]]:
    """block_features, and each block's number of whitespace-separated words (for stage2_features). `spare`: so
    many more columns on the right, left unset (for stage 2's features: the matrix is not copied again). `read`:
    blocks_key's four values a block, read from these blocks just now (their blank lines are taken from it)."""
    html = _is_html(blocks)
    names = feature_names(html)
    n = len(blocks)
    if n == 0:
        return np.zeros((0, len(names) + spare)), names, html, []
    texts = tuple([b.text.strip() for b in blocks])  # (a list comprehension: no generator's frames)
    part = _text_part(texts)
    ttoks = _title_tokens(title)
    X = doc_rows = None
    if html:
        doc_rows = part["doc_rows"].copy()
        doc_rows[:, 0:2] = _blank_lines(blocks, read)
    else:  # the text-mode matrix of these texts, copied: its blank lines (and headline columns, below) filled in
        text_only = _text_only_matrix(part)
        width = text_only.shape[1] + spare
        if read is not None and _core is not None:  # (copy and blank lines in one call; the spare columns 0.0)
            X = np.frombuffer(_core.widened(text_only, read, _N_TEXT, spare), dtype=np.float64).reshape(n, width)
        else:
            X = np.empty((n, width))
            X[:, :text_only.shape[1]] = text_only
            X[:, _N_TEXT:_N_TEXT + 2] = _blank_lines(blocks, read)
    if ttoks and doc_rows is None:  # (a view: the headline's columns written into X)
        doc_rows = X[:, _N_TEXT:_N_TEXT + part["doc_rows"].shape[1]]
    title_line = -1
    if ttoks and _core is not None and "tokens" in part:  # (the same divisions in C, no set made)
        similar_cells = np.frombuffer(_core.title_overlap(part["tokens"], ttoks)).reshape(n, 2)
        doc_rows[:, 11:13] = similar_cells
        title_line = _title_line(similar_cells[:, 0].tolist())
    elif ttoks:
        n_title = len(ttoks)
        similar = []
        for s in _sets(part):
            if s:
                inter = len(s & ttoks)  # (the union's size without building it)
                similar.append((inter / (len(s) + n_title - inter), inter / n_title))
            else:
                similar.append((0.0, 0.0))
        doc_rows[:, 11:13] = similar
        title_line = _title_line([sim for sim, _ in similar])
    if title_line >= 0:
        doc_rows[:, 16:18] = _headline_rows(n, title_line)
        first_head = part.get("first_head")
        if first_head is None:  # (the first comment-thread head of these texts, n when none: once per texts)
            heads = part["base"][:, _TEXT_COL["comment_head"]]
            first_head = part["first_head"] = next(iter(np.flatnonzero(heads).tolist()), n)
        if first_head <= title_line:  # a link to the comments at the top ("Comment", "12 comments")
            heads = part["base"][:, _TEXT_COL["comment_head"]]
            after = heads.copy()
            after[:title_line + 1] = 0.0
            doc_rows[:, 24] = np.minimum(doc_rows[:, 24], _after_a_head(after))
    if X is not None:
        return X, names, html, part["spaced"]
    from cleaner.html import DOM_FEATURES

    base = part["base"]
    dom = np.array([b.features["dom"] for b in blocks], dtype=np.float64)
    dcol = {k: i for i, k in enumerate(DOM_FEATURES)}
    core = np.concatenate([base[:, _CORE_IDX], dom[:, [dcol[c] for c in _CORE_HTML]]], axis=1)
    window_cols = np.concatenate([base[:, _WINDOW_IDX], dom[:, [dcol["link_density"]]]], axis=1)
    X = np.concatenate([base, doc_rows, _context(core, window_cols), dom, np.empty((n, spare))], axis=1)
    return X, names, html, part["spaced"]


def _is_html(blocks: list[Block]) -> bool:
    """Whether these are an HTML page's blocks (with DOM evidence): the HTML model's features, else the text one's."""
    return bool(blocks) and "dom" in blocks[0].features


def _blank_lines(blocks: list[Block], read: tuple[Any, ...] | None = None) -> np.ndarray:
    """Each block's blank_before and blank_after (bool of the features' values, missing: False), (n, 2) uint8:
    from bytes, not a list of tuples (numpy's discovery of a nested list's shape costs more than the rest).
    `read`: the blocks' values as blocks_key read them (blank_before, blank_after, dom, group a block)."""
    if read is not None:
        before, after = bytes(map(bool, read[0::4])), bytes(map(bool, read[1::4]))
    else:
        features = [b.features for b in blocks]
        before = bytes([bool(f.get("blank_before", False)) for f in features])
        after = bytes([bool(f.get("blank_after", False)) for f in features])
    cells = np.empty((len(before), 2), dtype=np.uint8)
    cells[:, 0] = np.frombuffer(before, dtype=np.uint8)
    cells[:, 1] = np.frombuffer(after, dtype=np.uint8)
    return cells


@lru_cache(maxsize=4096)
def _headline_rows(n: int, title_line: int) -> np.ndarray:
    """title_line_dist and after_title of n blocks with the headline at `title_line` (read-only: shared)."""
    idx = np.arange(n)
    rows = np.empty((n, 2))
    rows[:, 0] = np.clip(idx - title_line, -50, 50)
    rows[:, 1] = idx > title_line
    rows.flags.writeable = False
    return rows


def _context(core: np.ndarray, window_cols: np.ndarray, lay: dict[str, Any] | None = None) -> np.ndarray:
    """The neighbours' core features (-1 past either end) and the window means around each block: all
    offsets in one take, all windows in another (each in _OFFSETS' and _WINDOWS' order). The compiled core
    does the same in one call (a dozen numpy calls on a few dozen rows cost more than their arithmetic)."""
    n = len(core)
    if _tree_core is not None and core.dtype == np.float64 and window_cols.dtype == np.float64:
        out = np.empty((n, len(_OFFSETS) * core.shape[1] + len(_WINDOWS) * window_cols.shape[1]))
        _tree_core.context(np.ascontiguousarray(core), np.ascontiguousarray(window_cols), out, _OFFSETS, _WINDOWS)
        return out
    if lay is None:  # (the numpy code's index arithmetic for n blocks: the compiled core needs none)
        lay = _layout(n)
    padded = np.full((n + 6, core.shape[1]), -1.0)
    padded[3:n + 3] = core
    neighbours = padded[lay["neighbours"]].reshape(n, -1)  # (block, offset, feature)
    cs = np.zeros((n + 1, window_cols.shape[1]))
    np.cumsum(window_cols, axis=0, out=cs[1:])
    lo, hi, cnt = lay["context_windows"]
    means = ((cs[hi] - cs[lo]) / cnt[:, :, None]).reshape(n, -1)  # (block, window, feature)
    return np.concatenate([neighbours, means], axis=1)


def _text_only_matrix(part: dict[str, Any], lay: dict[str, Any] | None = None) -> np.ndarray:
    """A text document's feature matrix with the blank-line and headline columns as _text_part_of left them
    (computed once per texts, kept in `part`: not to be changed). HTML documents never need it."""
    X = part.get("X")
    if X is None:
        base = part["base"]
        if _core is not None and "tokens" in part:  # (the compiled core's part: one call, no numpy calls)
            cells = _core.text_only(base, part["doc_rows"], _CORE_COLS, _WINDOW_COLS, _OFFSETS, _WINDOWS)
            X = part["X"] = np.frombuffer(cells, dtype=np.float64).reshape(len(base), _TEXT_ONLY_WIDTH)
            return X
        context = _context(base[:, _CORE_IDX], base[:, _WINDOW_IDX], lay)
        X = part["X"] = np.concatenate([base, part["doc_rows"], context], axis=1)
    return X


_TEXT_PART: list[tuple[tuple[str, ...], dict[str, Any]]] = []


def _text_part(texts: tuple[str, ...]) -> dict[str, Any]:
    """Everything in the features that depends on the blocks' texts alone, for the last texts seen: the
    cleaner asks about the same blocks twice (once without a headline, to find it; then with it)."""
    last = _TEXT_PART[-1] if _TEXT_PART else None  # (one tuple, replaced atomically)
    if last is not None and last[0] == texts:
        return last[1]
    part = _text_part_of(texts)
    _TEXT_PART[:] = [(texts, part)]
    return part


def _text_part_of(texts: tuple[str, ...]) -> dict[str, Any]:
    if _core is not None:
        return _compiled_text_part_of(texts)
    n = len(texts)
    base, lower_words, lengths, spaced = _text_matrix(list(texts))
    lay = _layout(n)
    idx = lay["idx"]
    col = _TEXT_COL
    prose_list = base[:, col["prose"]].tolist()
    prose_idx = [i for i, p in enumerate(prose_list) if p]
    first_prose = prose_idx[0] if prose_idx else -1
    last_prose = prose_idx[-1] if prose_idx else -1
    # distance to the nearest prose block before / after (in blocks), capped
    cap = 50.0
    prev_d = [cap] * n
    next_d = [cap] * n
    last = -10**9
    for i, p in enumerate(prose_list):
        prev_d[i] = min(i - last, cap)
        if p:
            last = i
    nxt = 10**9
    for i in range(n - 1, -1, -1):
        next_d[i] = min(nxt - i, cap)
        if prose_list[i]:
            nxt = i
    # _norm_tokens of each block: its lower-case words, unless NFKC changes the block (then the words of that)
    joined = _JOIN.join(texts)
    if joined.isascii() or unicodedata.is_normalized("NFKC", joined):  # (a quick check: NFKC changes nothing)
        sets = [set(w) for w in lower_words]
    else:  # the joiner stays where it is (NFKC composes nothing across it), unless a block has one of its own
        folded = unicodedata.normalize("NFKC", joined)
        pieces = folded.split(_JOIN) if joined.count(_JOIN) == n - 1 else map(_nfkc, texts)
        sets = [set(w) if f == t else {x.lower() for x in _WORD.findall(f)}
                for t, f, w in zip(texts, pieces, lower_words, strict=True)]
    counts = Counter(texts) if len(set(texts)) < n else dict.fromkeys(texts, 1)  # (most pages repeat no line)
    # the words of the prose blocks, and those in two or more of them (set operations: no Counter of words)
    in_body: set[str] = set()
    in_body_twice: set[str] = set()
    for i in prose_idx:
        s = sets[i]
        in_body_twice |= s & in_body
        in_body |= s
    log_words = base[:, col["log_words"]]
    region, region_words, spans = _region_runs(prose_list, np.expm1(log_words).tolist(), gap=3)
    main, main_lo, main_hi = _main_region(region_words, spans)
    total_prose = max(float(sum(region_words)), 1.0)
    marks_cum = np.concatenate([[0.0], np.cumsum(base[:, col["comment_line"]])])
    shares = [w / total_prose for w in region_words] + [0.0]  # region -1: the appended 0.0
    rows = [(prev_d[i], next_d[i], float(prev_d[i] <= 10 and next_d[i] <= 10), float(counts[t]),
             len(s & in_body_twice if p else s & in_body) / len(s) if s else 0.0, shares[r])
            for i, (t, s, p, r) in enumerate(zip(texts, sets, prose_list, region, strict=True))]
    doc_rows = np.zeros((n, 25))  # the columns of the title and of the blocks' blank lines: _features
    doc_rows[:, [8, 9, 10, 13, 14, 18]] = rows
    doc_rows[:, 2] = lay["pos"]
    cum = np.array([0, *accumulate(lengths)][:n], dtype=np.float64)
    doc_rows[:, 3] = cum / max(float(sum(lengths)), 1.0)
    doc_rows[:, 4] = lay["log_n"]
    doc_rows[:, 5] = len(prose_idx) / n
    doc_rows[:, 6] = (idx - first_prose) / n if first_prose >= 0 else -1.0
    doc_rows[:, 7] = (idx - last_prose) / n if last_prose >= 0 else 1.0
    doc_rows[1:, 15] = np.abs(log_words[1:] - log_words[:-1]) < 0.3
    doc_rows[:, 16] = 99.0  # no headline line
    outside = np.maximum(main_lo - idx, idx - main_hi)  # blocks outside the main region (0 or less: in it)
    doc_rows[:, 19] = outside <= 0
    doc_rows[:, 20] = np.minimum(np.maximum(outside, 0), 50) if main >= 0 else 50.0
    doc_rows[:, 21] = region_words[main] / total_prose if main >= 0 else 0.0
    doc_rows[:, 22] = list(map(math.log1p, marks_cum[:n].tolist()))
    lo, hi = lay["near"]
    doc_rows[:, 23] = marks_cum[hi] - marks_cum[lo]
    doc_rows[:, 24] = _after_a_head(base[:, col["comment_head"]])
    if main_lo > 0:
        doc_rows[:min(main_lo, n), 24] = 0.0
    return {"base": base, "sets": sets, "spaced": spaced, "doc_rows": doc_rows}


def _compiled_text_part_of(texts: tuple[str, ...]) -> dict[str, Any]:
    """_text_part_of with cleaner._features_core: the document columns in C from the blocks' tokens, NFKC only for
    the span of a block where it may change the words (the whole document's NFKC costs more than the rest together
    where one block needs it; a block's, where a long paragraph has one "½")."""
    listed = list(texts)
    base, lower_words, _, spaced, spans = _compiled_matrix(listed)
    # _norm_tokens of each block: its lower-case words, but for the words of NFKC's text of a span where NFKC may
    # change them (NFKC of the block is NFKC of the text before it, of it and of the text after it, joined)
    tokens = lower_words
    if spans:
        tokens = list(lower_words)
        for i, start, end, first_word, end_word in spans:
            words = lower_words[i]
            normal = unicodedata.normalize("NFKC", texts[i][start:end])
            tokens[i] = [*words[:first_word], *[x.lower() for x in _WORD.findall(normal)], *words[end_word:]]
    rows = _core.doc_rows(listed, base, np.expm1(base[:, _TEXT_COL["log_words"]]), tokens, sum)
    doc_rows = np.frombuffer(rows, dtype=np.float64).reshape(len(texts), 25)
    return {"base": base, "tokens": tokens, "spaced": spaced, "doc_rows": doc_rows}  # (the sets: _sets, if asked)


def _sets(part: dict[str, Any]) -> list[set[str]]:
    """Each block's set of _norm_tokens, from a _text_part: the compiled core's part keeps the tokens alone and the
    sets are made on first use (the headline's columns are computed from the tokens; text stage 2 reads the sets),
    as _text_part_of makes them (the same order of iteration)."""
    sets = part.get("sets")
    if sets is None:
        sets = part["sets"] = [set(w) for w in part["tokens"]]
    return sets


def _title_line(title_sim: list[float]) -> int:
    """Index of the block that best repeats the headline (most of its words, few others: the first of the
    highest title_sim above 0.6), or -1."""
    best, best_sim = -1, 0.6
    for i, sim in enumerate(title_sim):
        if sim > best_sim:
            best, best_sim = i, sim
    return best


def _region_runs(mask: Any, weight: Any, gap: int) -> tuple[list[int], list[float], list[tuple[int, int]]]:
    """Group flagged blocks into regions (flagged blocks at most `gap` apart, and what lies between them).

    The article is usually one such region of running prose; comment threads and teaser lists are
    others. Returns the region id of every block (-1 outside all regions), each region's weight, and its
    first and last block."""
    region = [-1] * len(mask)
    totals: list[float] = []
    spans: list[tuple[int, int]] = []
    last = -10**9
    current = -1
    for i, flagged in enumerate(mask):
        if not flagged:
            continue
        if i - last > gap + 1 or current < 0:
            current += 1
            totals.append(0.0)
            spans.append((i, i))
        else:
            region[last + 1:i] = [current] * (i - last - 1)
            spans[current] = (spans[current][0], i)
        region[i] = current
        totals[current] += float(weight[i])
        last = i
    return region, totals, spans


def _main_region(totals: list[float], spans: list[tuple[int, int]]) -> tuple[int, int, int]:
    """The region with the most weight (the first of equals), and its first and last block; -1, 10**9, -1
    when there is none."""
    if not totals:
        return -1, 10**9, -1
    main = max(range(len(totals)), key=totals.__getitem__)
    return main, *spans[main]


# --------------------------------------------------------------------------------------------------
# stage 2: the stage-1 scores of the neighbourhood
# --------------------------------------------------------------------------------------------------

_S2_WINDOWS = (1, 3, 8, 20)
_LOG1P_ONE = math.log1p(1.0)  # p1_group_size of a block alone in its group (np.log1p(1.0) is the same number)
STAGE2_NAMES = (["p1"] + [f"p1_n{o:+d}" for o in (-2, -1, 1, 2)] + [f"p1_w{w}" for w in _S2_WINDOWS]
                + ["p1_max_prev5", "p1_max_next5", "p1_group_mean", "p1_group_size", "p1_doc_mean",
                   "p1_rank_pos", "p1_kept_before", "p1_kept_after", "p1_region_share", "p1_in_main",
                   "p1_main_dist", "p1_region_count"])


def stage2_features(p1: np.ndarray, blocks: list[Block], words: list[int] | None = None) -> np.ndarray:
    """Context of stage-1 scores: neighbours, window means, the same DOM container, the document.
    `words`: each block's number of whitespace-separated words, when the caller has them. The compiled core
    computes the same columns with the same operations in one call (per-call costs dominate here)."""
    n = len(p1)
    if n == 0:
        return np.zeros((0, len(STAGE2_NAMES)))
    if words is None:
        words = [split_count(b.text) for b in blocks]
    if _tree_core is not None and p1.dtype == np.float64:
        out = np.empty((n, len(STAGE2_NAMES)))
        _tree_core.stage2(np.ascontiguousarray(p1), words, out, _LOG1P_ONE)  # every block alone in its container
        if _any_group(blocks):
            _container_columns(out, p1, blocks)
        return out
    lay = _layout(n)
    idx = lay["idx"]
    out = np.empty((n, len(STAGE2_NAMES)))
    half = np.full(n + 4, 0.5)  # 0.5 past either end
    half[2:n + 2] = p1
    out[:, 0:5] = half.take(lay["s2_shifts"])  # p1 at i, i-2, i-1, i+1, i+2
    cs = np.zeros(n + 1)
    np.cumsum(p1, out=cs[1:])
    lo, hi, cnt = lay["s2_windows"]
    out[:, 5:9] = (cs[hi] - cs[lo]) / cnt
    # the minimum of the 5 before, of the 5 after: minima of 2, 4, then 5 in a row (exact in any order)
    around = np.full(n + 10, np.inf)  # no minimum past either end
    around[5:n + 5] = p1
    pairs = np.minimum(around[:-1], around[1:])
    fours = np.minimum(pairs[:-2], pairs[2:])
    fives = np.minimum(fours[:n + 6], around[4:])
    out[:, 9] = fives[:n]
    out[:, 10] = fives[6:]
    out[0, 9] = 1.0
    out[n - 1, 10] = 1.0
    if _any_group(blocks):
        _container_columns(out, p1, blocks)
    else:  # every block its own group
        out[:, 11] = p1
        out[:, 12] = _LOG1P_ONE
    out[:, 13] = np.add.reduce(p1) / n  # p1.mean(), without its Python wrapper
    keep = p1 < 0.5
    keep_list = keep.tolist()
    kept_idx = [i for i, k in enumerate(keep_list) if k]
    # the mean of the kept indexes: an exact sum of integers, then one division, as numpy's mean
    out[:, 14] = (sum(kept_idx) / len(kept_idx) / n if kept_idx else -1.0) - lay["pos"]
    ck = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(keep, out=ck[1:])
    n_keep = max(len(kept_idx), 1)
    out[:, 15] = ck[:n] / n_keep
    out[:, 16] = (ck[-1] - ck[1:]) / n_keep
    region, totals, spans = _region_runs(keep_list, words, gap=2)
    total = max(float(sum(totals)), 1.0)
    _, lo, hi = _main_region(totals, spans)
    shares = [t / total for t in totals] + [0.0]  # region -1: the appended 0.0
    out[:, 17] = [shares[r] for r in region]
    outside = np.maximum(lo - idx, idx - hi)  # blocks outside the main region (0 or less: in it)
    out[:, 18] = outside <= 0
    out[:, 19] = np.minimum(np.maximum(outside, 0), 50)
    out[:, 20] = float(len(totals))
    return out


def _any_group(blocks: list[Block]) -> bool:
    """Whether a block is in a DOM container (a "group" in its features), without a generator's frames."""
    return any(["group" in b.features for b in blocks])


def _container_columns(out: np.ndarray, p1: np.ndarray, blocks: list[Block]) -> None:
    """stage2_features' p1_group_mean and p1_group_size (columns 11, 12) of blocks in DOM containers (a block
    without one is alone in its own). Python on both paths: the containers are keys of any kind."""
    groups = [b.features.get("group", i) for i, b in enumerate(blocks)]
    sums: dict[Any, float] = {}
    sizes: dict[Any, int] = {}
    for g, p in zip(groups, p1.tolist(), strict=True):
        sums[g] = sums.get(g, 0.0) + p
        sizes[g] = sizes.get(g, 0) + 1
    out[:, 11] = [sums[g] / sizes[g] for g in groups]
    out[:, 12] = np.log1p(np.array([sizes[g] for g in groups], dtype=np.float64))


#: Text mode's extra stage-2 columns (no DOM: where the article goes on after an interruption is read off the
#: stage-1 scores and the words): the IDF-weighted share of a line's content words found in the lines stage 1 is
#: sure are body (p1 < TOPIC_BODY_P, the line itself left out; -1 without content words), and before / after it
#: the lines and words (log) to the nearest such line and whether a line stage 1 is sure is chrome (p1 >
#: TOPIC_CHROME_P) lies in between (-1 when there is no such line). A model whose stage 2 names them gets them.
TEXT_STAGE2_NAMES = ("p1_topic_share", "p1_body_prev_lines", "p1_body_prev_words", "p1_chrome_before",
                     "p1_body_next_lines", "p1_body_next_words", "p1_chrome_after")
TOPIC_BODY_P = 0.3
TOPIC_CHROME_P = 0.95
_WORD_IDF: dict[str, float] = {}  # a lower-case word -> the news IDF of its stem (0: not a content word)


def _word_idf(words: set[str]) -> None:
    """Note the news IDF of these words' stems (cleaner.terms: stopwords, single letters and numbers count 0)."""
    from cleaner.terms import STOPWORDS, load_vocabulary, stem

    vocab = load_vocabulary()
    if len(_WORD_IDF) > 1 << 18:
        _WORD_IDF.clear()
    for w in words:
        _WORD_IDF[w] = 0.0 if len(w) < 2 or not w.isalpha() or w in STOPWORDS else vocab.idf(stem(w))


def text_stage2_features(p1: np.ndarray, blocks: list[Block], words: list[int] | None = None,
                         sets: list[set[str]] | None = None) -> np.ndarray:
    """TEXT_STAGE2_NAMES for each block of a text document (see there). `sets`: each block's lower-case words,
    when the caller has them (_text_part)."""
    n = len(p1)
    out = np.empty((n, len(TEXT_STAGE2_NAMES)))
    if n == 0:
        return out
    conf = p1 < TOPIC_BODY_P
    # topic: the words of the sure body lines (in one, in two or more: a sure line itself looks at the latter)
    if sets is None:
        sets = _sets(_text_part(tuple(b.text.strip() for b in blocks)))
    missing = set().union(*sets).difference(_WORD_IDF)
    if missing:
        _word_idf(missing)
    conf_list = conf.tolist()
    once: set[str] = set()
    twice: set[str] = set()
    for s, c in zip(sets, conf_list, strict=True):
        if c:
            twice |= s & once
            once |= s
    idf = _WORD_IDF.__getitem__
    share = [-1.0] * n
    for i, (s, c) in enumerate(zip(sets, conf_list, strict=True)):
        total = sum(map(idf, s))
        if total > 0:
            share[i] = sum(map(idf, s & (twice if c else once))) / total
    out[:, 0] = share
    # the nearest sure body line before and after: lines, words in between (log), sure chrome in between
    if words is None:
        words = [split_count(b.text) for b in blocks]
    chrome = (p1 > TOPIC_CHROME_P).tolist()
    before: list[tuple[float, float, float]] = []
    none = (50.0, -1.0, -1.0)
    last, between, seen = -1, 0, False
    for i, c in enumerate(conf_list):
        before.append((min(i - last, 50), math.log1p(between), float(seen)) if last >= 0 else none)
        if c:
            last, between, seen = i, 0, False
        else:
            between += words[i]
            seen = seen or chrome[i]
    after: list[tuple[float, float, float]] = []
    last, between, seen = -1, 0, False
    for i in range(n - 1, -1, -1):
        after.append((min(last - i, 50), math.log1p(between), float(seen)) if last >= 0 else none)
        if conf_list[i]:
            last, between, seen = i, 0, False
        else:
            between += words[i]
            seen = seen or chrome[i]
    out[:, 1:4] = before
    out[:, 4:7] = after[::-1]
    return out


def _stage2_extra(names: list[str], p1: np.ndarray, blocks: list[Block], words: list[int] | None) -> list[np.ndarray]:
    """The extra stage-2 columns a model names after STAGE2_NAMES (text_stage2_features), or none."""
    if names[-1] not in TEXT_STAGE2_NAMES:
        return []
    k = 0
    while names[-1 - k] in TEXT_STAGE2_NAMES:
        k += 1
    cols = [TEXT_STAGE2_NAMES.index(c) for c in names[-k:]]
    features = text_stage2_features(p1, blocks, words)
    return [features if cols == list(range(len(TEXT_STAGE2_NAMES))) else features[:, cols]]


# --------------------------------------------------------------------------------------------------
# trees
# --------------------------------------------------------------------------------------------------


#: Rows evaluated at once: the split tests of all trees for a chunk are a (tests, rows) matrix, so a page of a
#: million lines is evaluated in bounded memory (tens of MB, not tens of GB) and a time limit can stop it
#: between chunks.
ROWS_PER_CHUNK = 2048


#: Rows whose split tests are evaluated at once: the (tests, rows) temporaries of a few hundred rows stay small
#: (a megabyte or two); 512 rows at once took three times as long a row as 256.
GONE_ROWS = 256


class Trees:
    """A gradient-boosted ensemble (binary log-loss) evaluated with numpy or the compiled core, with path
    attribution (either too)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.names: list[str] = spec["features"]
        self.base = float(spec["base"])
        trees = spec["trees"]
        width = max(len(t["feature"]) for t in trees)
        t_count = len(trees)
        self.feature = np.zeros((t_count, width), dtype=np.int64)
        self.threshold = np.zeros((t_count, width))
        self.left = np.zeros((t_count, width), dtype=np.int64)
        self.right = np.zeros((t_count, width), dtype=np.int64)
        self.value = np.zeros((t_count, width))
        self.leaf = np.ones((t_count, width), dtype=bool)
        for k, t in enumerate(trees):
            m = len(t["feature"])
            self.feature[k, :m] = t["feature"]
            self.threshold[k, :m] = t["threshold"]
            self.left[k, :m] = t["left"]
            self.right[k, :m] = t["right"]
            self.value[k, :m] = t["value"]
            self.leaf[k, :m] = t["leaf"]
        self.depth = int(spec["max_depth"])
        self._flat: tuple[np.ndarray, ...] | None = None
        self._masks: dict[str, Any] | None = None
        self._splits: dict[tuple[int, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
        self._constant: dict[tuple[Any, ...], np.ndarray] = {}  # see split_leaf_values
        self._compiled: tuple[Any, Any, int] | None = None  # (core, its Forest, leaf stride): see _forest

    def __getstate__(self) -> dict[str, Any]:  # derived: rebuilt on first use
        return {**self.__dict__, "_flat": None, "_masks": None, "_splits": {}, "_constant": {}, "_compiled": None}

    def raw(self, X: np.ndarray, attribute: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Log-odds per row; with attribute, also per-feature contributions (Saabas path attribution).

        Without attribution every tree is evaluated for all rows at once from its split tests alone
        (the QuickScorer idea): each test a row fails rules out the leaves left of it, and the row's leaf is
        the leftmost leaf left over; a handful of numpy operations in all, however deep the trees. With
        attribution the paths are walked level by level (see _walk). The compiled core applies the same tests
        in C, up to sixteen rows at a time (AVX2 where there is), and adds the leaf values in numpy's order
        (_evaluate_compiled).
        """
        if _tree_core is not None:
            raw = self._evaluate_compiled(X, raw=True)[0]
            return raw, (self.attribute(X) if attribute else None)
        if attribute:
            return self.base + self.leaf_values(X).sum(axis=1), self.attribute(X)
        return self.base + self.leaf_values(X).sum(axis=1), None

    def raw_and_leaves(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """raw(X)'s log-odds, and the leaves reached as _leaves gives them (None when the trees are walked or
        the rows come in chunks): attribute() takes them instead of finding them again."""
        if _tree_core is not None:
            if X.shape[0] > ROWS_PER_CHUNK or self._forest()[1] != 64:
                return self._evaluate_compiled(X, raw=True)[0], None
            raw, _, leaves = self._evaluate_compiled(X, raw=True, leaves=True)
            return raw, leaves
        masks = self._leaf_masks()
        if masks is None or X.shape[0] > ROWS_PER_CHUNK:
            return self.raw(X)[0], None
        leaves = self._leaves(X)
        return self.base + masks["value"].take(leaves.T).sum(axis=1), leaves

    def leaf_values(self, X: np.ndarray) -> np.ndarray:
        """The value of the leaf each row reaches in each tree, (rows, trees) in C order."""
        if _tree_core is not None:
            return self._evaluate_compiled(X, values=True)[1]
        masks = self._leaf_masks()
        if masks is None:
            return self._walk(X, False, values=True)[0]
        if X.shape[0] > ROWS_PER_CHUNK:
            return np.concatenate([self.leaf_values(X[i:i + ROWS_PER_CHUNK])
                                   for i in range(0, X.shape[0], ROWS_PER_CHUNK)])
        return masks["value"].take(self._leaves(X).T)  # (rows, trees), C order

    def split_leaf_values(self, X: np.ndarray, columns: tuple[int, ...], static: np.ndarray | None = None,
                          same_rows: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """leaf_values(X), and the leaves that the tests on the other columns than `columns` rule out (per tree
        and row). Given back as `static` for a matrix that differs from X in `columns` alone (the headline's
        columns, once a headline is found), only the tests on `columns` are evaluated again. `same_rows`: the
        `columns` hold the same values on every row (no headline), so their tests are evaluated on one.
        (No `static` when the trees are walked, with the compiled core (evaluating all tests costs it less than
        reusing some), or when the rows come in chunks.)"""
        if _tree_core is not None:
            return self.leaf_values(X), None
        masks = self._leaf_masks()
        if masks is None or X.shape[0] > ROWS_PER_CHUNK:
            return self.leaf_values(X), None
        other, these = self._split_tests(columns)
        if static is None:
            static = self._gone(X, other)
        if same_rows:  # what the tests on `columns` rule out, per tree: kept for those values
            key = (columns, X[0, list(columns)].tobytes())
            ruled_out = self._constant.get(key)
            if ruled_out is None:
                if len(self._constant) >= 64:
                    self._constant.clear()
                ruled_out = np.zeros((masks["trees"], 1), dtype=static.dtype)
                ruled_out[these["tree_index"]] = self._gone(X[:1], these)
                self._constant[key] = ruled_out
            gone = static | ruled_out
        else:
            gone = static.copy()
            gone[these["tree_index"]] |= self._gone(X, these)
        return masks["value"].take(self._leaf_of(gone).T), static

    def _leaves(self, X: np.ndarray) -> np.ndarray:
        """The leaf each row reaches in each tree, (trees, rows), as tree * 64 + leaf number."""
        m = self._leaf_masks()
        assert m is not None
        if _tree_core is not None:
            return self._evaluate_compiled(X, leaves=True)[2]
        return self._leaf_of(self._gone(X, m))

    def _forest(self) -> tuple[Any, int]:
        """The compiled core's Forest of these trees (made once per Trees and per core) and its leaf ids' stride
        (64: the leaves numbered as _leaf_masks numbers them)."""
        made = self._compiled
        if made is None or made[0] is not _tree_core:
            tables = self._node_tables()
            made = self._compiled = (_tree_core, _tree_core.Forest(self.base, *tables[:-1]), tables[-1])
        return made[1], made[2]

    def _evaluate_compiled(self, X: np.ndarray, raw: bool = False, values: bool = False, leaves: bool = False
                       ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """The compiled core's evaluation of X, ROWS_PER_CHUNK rows a call (a time limit can stop it between
        calls): the log-odds (rows,), the leaf values (rows, trees) and the leaf ids (trees, rows) asked for."""
        forest, _ = self._forest()
        X = np.ascontiguousarray(X, dtype=np.float64)
        rows = X.shape[0]
        t_count = self.feature.shape[0]
        out_raw = np.empty(rows) if raw else None
        out_values = np.empty((rows, t_count)) if values else None
        out_leaves = np.empty((t_count, rows), dtype=np.int64) if leaves else None
        for start in range(0, rows, ROWS_PER_CHUNK):
            forest.evaluate(X, start, min(start + ROWS_PER_CHUNK, rows), out_raw, out_values, out_leaves)
        return out_raw, out_values, out_leaves

    def _node_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                    np.ndarray, int]:
        """The trees as cleaner/_trees_core.c's Forest takes them: each tree's nodes in preorder, left first (a
        child after its parent: every walk ends), one tree after another; each tree's first node (roots); each
        node's feature, threshold, left and right child; its leaf id, -1 for an internal node (tree * stride +
        the leaf's number, left to right); the leaves' values by leaf id; the stride: 64, as _leaf_masks
        numbers the leaves, unless a tree has more."""
        t_count, width = self.feature.shape
        is_leaf, lefts, rights = self.leaf.tolist(), self.left.tolist(), self.right.tolist()
        orders: list[list[int]] = []
        for k in range(t_count):
            order: list[int] = []
            stack = [0]
            while stack:  # depth first, left before right
                node = stack.pop()
                order.append(node)
                if len(order) > width:
                    raise ValueError(f"tree {k} reaches a node twice: not a tree")
                if not is_leaf[k][node]:
                    stack += [rights[k][node], lefts[k][node]]
            orders.append(order)
        stride = max(64, *(sum(is_leaf[k][node] for node in order) for k, order in enumerate(orders)))
        roots = np.cumsum([0] + [len(order) for order in orders[:-1]], dtype=np.int32)
        feature, threshold, left, right, leaf_id = [], [], [], [], []
        leaf_value = np.zeros(t_count * stride)
        for k, (order, root) in enumerate(zip(orders, roots.tolist(), strict=True)):
            at = {node: root + j for j, node in enumerate(order)}
            leaves = 0
            for node in order:
                feature.append(int(self.feature[k, node]))
                threshold.append(float(self.threshold[k, node]))
                if is_leaf[k][node]:
                    left.append(at[node])
                    right.append(at[node])
                    leaf_id.append(k * stride + leaves)
                    leaf_value[k * stride + leaves] = self.value[k, node]
                    leaves += 1
                else:
                    left.append(at[lefts[k][node]])
                    right.append(at[rights[k][node]])
                    leaf_id.append(-1)
        return (roots, np.array(feature, dtype=np.int32), np.array(threshold, dtype=np.float64),
                np.array(left, dtype=np.int32), np.array(right, dtype=np.int32), np.array(leaf_id, dtype=np.int32),
                leaf_value, stride)

    @staticmethod
    def _gone(X: np.ndarray, tests: dict[str, Any]) -> np.ndarray:
        """The leaves (bit sets, (trees, rows)) that the rows' failed `tests` rule out (_leaf_masks' slots)."""
        rows = X.shape[0]
        if rows > GONE_ROWS:
            return np.concatenate([Trees._gone(X[i:i + GONE_ROWS], tests) for i in range(0, rows, GONE_ROWS)], axis=1)
        slots, t_count = tests["slots"], tests["trees"]
        xt = np.ascontiguousarray(X.T, dtype=np.float64)
        went_left = np.take(xt, tests["unique_feature"], axis=0) <= tests["unique_threshold"]  # each test once
        went_right = np.logical_not(went_left, out=went_left)  # in place (NaN compares False: right)
        went_right = np.take(went_right, tests["unique_of"], axis=0)  # (slots * trees, rows)
        ruled_out = np.multiply(tests["left_of"], went_right).reshape(slots, t_count, rows)
        return np.bitwise_or.reduce(ruled_out, axis=0) if slots else np.zeros((t_count, rows), tests["left_of"].dtype)

    def _leaf_of(self, gone: np.ndarray) -> np.ndarray:
        """The leftmost leaf not ruled out, per tree and row, as tree * 64 + leaf number."""
        m = self._masks
        assert m
        return m["leaf_number"](gone) + m["tree_base"]

    def _split_tests(self, columns: tuple[int, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
        """_leaf_masks' tests in two sets: those on other columns (the rest made void: no leaf left of them),
        and those on `columns`, in slots of the trees that have any (`tree_index`)."""
        split = self._splits.get(columns)
        if split is None:
            m = self._masks
            assert m
            slots, t_count = m["slots"], m["trees"]
            feature = m["feature"].reshape(slots, t_count)
            left_of = m["left_of"].reshape(slots, t_count)
            on = np.isin(feature, columns) & (left_of != 0)
            trees = np.flatnonzero(on.any(axis=0))
            per_tree = [np.flatnonzero(on[:, k]) for k in trees.tolist()]
            width = max(map(len, per_tree), default=0)
            these = {"feature": np.zeros((width, len(trees)), dtype=np.intp), "threshold": np.zeros((width, len(trees))),
                     "left_of": np.zeros((width, len(trees)), dtype=left_of.dtype)}
            for j, (k, where) in enumerate(zip(trees.tolist(), per_tree, strict=True)):
                for name in ("feature", "threshold", "left_of"):
                    these[name][:len(where), j] = m[name].reshape(slots, t_count)[where, k]
            other = {**m, "left_of": np.where(on, 0, left_of).astype(left_of.dtype).reshape(-1, 1)}
            split = (other, {**_test_slots(these["feature"], these["threshold"], these["left_of"]),
                             "tree_index": trees})
            self._splits[columns] = split
        return split

    def attribute(self, X: np.ndarray, leaves: np.ndarray | None = None) -> np.ndarray:
        """Per-feature contributions of each row (Saabas path attribution): the same numbers, added in the
        same order, as walking the trees level by level (_walk), from the rows' leaves and their paths.
        `leaves`: the rows' leaves as _leaves gives them, when the caller has them (raw_and_leaves)."""
        m = self._leaf_masks()
        if m is None:
            contrib = self._walk(X, True)[1]
            assert contrib is not None
            return contrib
        if X.shape[0] > ROWS_PER_CHUNK:
            return np.concatenate([self.attribute(X[i:i + ROWS_PER_CHUNK],
                                                  None if leaves is None else leaves[:, i:i + ROWS_PER_CHUNK])
                                   for i in range(0, X.shape[0], ROWS_PER_CHUNK)])
        rows, n_feat = X.shape
        leaves = (self._leaves(X) if leaves is None else leaves).T.ravel()  # (row, tree) order, as _walk's pairs
        features, changes, length = m["path_feature"], m["path_delta"], m["path_length"]
        if _tree_core is not None and rows:  # the same sums in the same order, row by row in C
            out = np.empty((rows, n_feat))
            paths = m.get("paths64")
            if paths is None:  # (the tables as the core reads them, made once)
                paths = m["paths64"] = (features.astype(np.int64), changes, length.astype(np.int64))
            _tree_core.attribute(np.ascontiguousarray(leaves, dtype=np.int64), *paths, out)
            return out
        # Every step of every pair's path at once, pair by pair: one bincount sums each (level, cell) in
        # pair order, as a bincount per level did; the levels are then added in order.
        steps = length[leaves]
        level = np.arange(int(steps.sum())) - np.repeat(np.cumsum(steps) - steps, steps)
        leaf = np.repeat(leaves, steps)
        cells = rows * n_feat
        at = level * cells + np.repeat(np.repeat(np.arange(rows) * n_feat, m["trees"]), steps) + features[level, leaf]
        depth = int(steps.max()) if steps.size else 0
        per_level = np.bincount(at, weights=changes[level, leaf], minlength=max(depth, 1) * cells)
        contrib = np.zeros(cells)
        for d in range(depth):
            contrib += per_level[d * cells:(d + 1) * cells]
        return contrib.reshape(rows, n_feat)

    def _leaf_masks(self) -> dict[str, Any] | None:
        """Per tree: its split tests in slots (feature, threshold, bit set of the leaves left of the test),
        its leaves' values, leaves numbered left to right, and each leaf's path (features tested, change of
        value at each step). None when a tree has over 64 leaves."""
        if self._masks is not None:
            return self._masks or None
        t_count = self.feature.shape[0]
        tests: list[list[tuple[int, float, int]]] = []
        leaf_value = np.zeros(t_count * 64)
        paths: dict[int, list[tuple[int, float]]] = {}
        for k in range(t_count):
            value = self.value[k]
            leaves: list[int] = []
            splits: list[tuple[int, float, int]] = []
            stack: list[tuple[int, bool, list[tuple[int, float]]]] = [(0, False, [])]
            first_leaf: dict[int, int] = {}
            while stack:  # depth first, left before right; an internal node is finished after both
                node, done, path = stack.pop()
                if self.leaf[k, node]:
                    first_leaf[node] = len(leaves)
                    paths[k * 64 + len(leaves)] = path
                    leaves.append(node)
                elif done:
                    lo = first_leaf[int(self.left[k, node])]
                    hi = first_leaf[int(self.right[k, node])]
                    first_leaf[node] = lo
                    splits.append((int(self.feature[k, node]), float(self.threshold[k, node]),
                                   ((1 << hi) - 1) ^ ((1 << lo) - 1)))
                else:
                    f = int(self.feature[k, node])
                    left, right = int(self.left[k, node]), int(self.right[k, node])
                    stack += [(node, True, path), (right, False, path + [(f, value[right] - value[node])]),
                              (left, False, path + [(f, value[left] - value[node])])]
            if len(leaves) > 64:
                self._masks = {}
                return None
            leaf_value[k * 64:k * 64 + len(leaves)] = value[leaves]
            tests.append(splits)
        slots = max(map(len, tests))
        dtype = np.uint16 if slots + 1 <= 16 else np.uint64
        feature = np.zeros((slots, t_count), dtype=np.intp)
        threshold = np.zeros((slots, t_count))
        left_of = np.zeros((slots, t_count), dtype=dtype)
        for k, splits in enumerate(tests):
            for j, (f, t, bits) in enumerate(splits):
                feature[j, k], threshold[j, k], left_of[j, k] = f, t, bits
        depth = max((len(p) for p in paths.values()), default=0)
        path_feature = np.zeros((max(depth, 1), t_count * 64), dtype=np.intp)
        path_delta = np.zeros((max(depth, 1), t_count * 64))
        path_length = np.zeros(t_count * 64, dtype=np.intp)
        for leaf, path in paths.items():
            path_length[leaf] = len(path)
            for d, (f, change) in enumerate(path):
                path_feature[d, leaf], path_delta[d, leaf] = f, change
        if dtype is np.uint16:  # the leaf: the number of trailing ones of the ruled-out bits, looked up
            table = np.zeros(1 << 16, dtype=np.intp)
            for b in range(16):
                table[1 << b] = b
            every = np.arange(1 << 16, dtype=np.uint16)
            leaf_number = table[~every & (every + dtype(1))].take
        else:
            def leaf_number(gone: np.ndarray) -> np.ndarray:
                first = ~gone & (gone + dtype(1))  # the lowest leaf bit not ruled out
                return np.log2(first.astype(np.float64)).astype(np.intp)  # exact for powers of two
        self._masks = {**_test_slots(feature, threshold, left_of), "value": leaf_value,
                       "leaf_number": leaf_number, "tree_base": (np.arange(t_count) * 64)[:, None],
                       "path_feature": path_feature, "path_delta": path_delta, "path_length": path_length}
        return self._masks

    def _walk(self, X: np.ndarray, attribute: bool, values: bool = False
              ) -> tuple[np.ndarray, np.ndarray | None]:
        """All (row, tree) pairs advance one level at a time over flat arrays, and pairs that reached a leaf
        drop out; with attribute, each step's change of value is added to the feature it tested."""
        rows, n_feat = X.shape
        if self._flat is None:
            t_count, width = self.feature.shape
            offset = (np.arange(t_count) * width)[:, None]
            idx = np.arange(width)[None, :]
            left = np.where(self.leaf, idx, self.left) + offset
            right = np.where(self.leaf, idx, self.right) + offset
            self._flat = (self.feature.ravel(), self.threshold.ravel(), left.ravel(), right.ravel(),
                          self.value.ravel(), offset.ravel(), self.leaf.ravel())
        feature, threshold, left, right, value, offset, leaf = self._flat
        xs = np.ascontiguousarray(X, dtype=np.float64).ravel()
        t_count = len(offset)
        node = np.tile(offset, rows)  # one (row, tree) pair per entry
        row_base = np.repeat(np.arange(rows) * n_feat, t_count)
        active = np.flatnonzero(~leaf[node])
        contrib = np.zeros(rows * n_feat) if attribute else None
        while active.size:
            nd = node[active]
            cell = row_base[active] + feature[nd]
            nxt = np.where(xs[cell] <= threshold[nd], left[nd], right[nd])
            if contrib is not None:
                contrib += np.bincount(cell, weights=value[nxt] - value[nd], minlength=rows * n_feat)
            node[active] = nxt
            active = active[~leaf[nxt]]
        if values:
            return value[node].reshape(rows, t_count), None
        out = self.base + value[node].reshape(rows, t_count).sum(axis=1)
        return out, (contrib.reshape(rows, n_feat) if contrib is not None else None)


def _test_slots(feature: np.ndarray, threshold: np.ndarray, left_of: np.ndarray) -> dict[str, Any]:
    """Split tests in slots, (slots, trees) arrays, as Trees._gone takes them: each distinct (feature,
    threshold) pair is compared once (the trees share about half of their tests), `unique_of` says where."""
    distinct: dict[tuple[int, float], int] = {}
    unique_of = [distinct.setdefault(pair, len(distinct)) for pair in zip(feature.ravel().tolist(),
                                                                           threshold.ravel().tolist(), strict=True)]
    return {"feature": feature.ravel(), "threshold": threshold.reshape(-1, 1), "left_of": left_of.reshape(-1, 1),
            "slots": feature.shape[0], "trees": feature.shape[1],
            "unique_feature": np.array([f for f, _ in distinct], dtype=np.intp),
            "unique_threshold": np.array([t for _, t in distinct], dtype=np.float64).reshape(-1, 1),
            "unique_of": np.array(unique_of, dtype=np.intp)}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1.0 / (1.0 + np.exp(-z)); with the compiled core, numpy's exp and then the addition and division in C, in
    place (two numpy calls fewer on a few dozen values; the same IEEE operations)."""
    e = np.exp(-z)
    if _tree_core is not None and e.dtype == np.float64 and e.ndim == 1:
        _tree_core.logistic(e)
        return e
    return 1.0 / (1.0 + e)


# --------------------------------------------------------------------------------------------------
# reasons
# --------------------------------------------------------------------------------------------------


def _describe(name: str, value: float) -> str | None:
    """A few words for a feature and its value, as a person would say it."""
    words = round(math.expm1(value)) if "log_words" in name else None
    if name == "log_words":
        return f"{words} words"
    if name == "link_density":
        return f"link text {value:.0%}"
    if name == "link_all":
        return "all link text" if value else "not a link"
    if name.startswith("cls_") or name.startswith("near_"):
        group = name.split("_", 1)[1]
        if name.startswith("near_"):
            return f"inside a '{group}' container ({int(value)} levels up)" if value < 99 else f"no '{group}' container"
        return f"'{group}' class/id around it" if value else f"no '{group}' class/id"
    if name.startswith("t_"):
        return f"{'inside' if value else 'not inside'} <{name[2:]}>"
    if name.startswith("blk_"):
        return f"{'a' if value else 'not a'} <{name[4:]}> block"
    if name in ("cand_in_top", "cand_ratio", "cand_anc_score"):
        return "inside the main text container" if (value >= 0.5 if name != "cand_anc_score" else value > 2) \
            else "outside the main text container"
    if name in ("container_p_share", "parent_share", "container_share"):
        return f"container {name.split('_')[1] if name != 'container_p_share' else 'prose'} share {value:.0%}"
    if name == "container_link_density":
        return f"container link text {value:.0%}"
    if name == "ends_sentence":
        return "ends like a sentence" if value else "no sentence punctuation"
    if name == "title_case":
        return f"title case {value:.0%}"
    if name == "stop_frac":
        return f"stop words {value:.0%}"
    if name in ("title_sim", "title_contained"):
        return f"headline likeness {value:.0%}"
    if name == "repeat_count":
        return f"repeated {int(value)}× on the page" if value > 1 else "not repeated"
    if name in ("dist_prev_prose", "dist_next_prose", "between_prose", "rel_first_prose", "rel_last_prose",
                "doc_prose_frac"):
        return "far from the prose" if name.startswith("dist") and value > 10 else "position relative to the prose"
    if name in ("pos", "pos_chars"):
        return f"position {value:.0%} down the page"
    if name == "p1":
        return f"own shape scores {value:.2f}"
    if name.startswith("p1_w") or name.startswith("p1_n") or name.startswith("p1_max") or name == "p1_group_mean":
        where = "same container" if name == "p1_group_mean" else "neighbours"
        return f"{where} {'look like boilerplate' if value >= 0.5 else 'look like body'} ({value:.2f})"
    if name in ("p1_in_main", "in_main_region"):
        return "inside the main prose region" if value else "outside the main prose region"
    if name in ("p1_main_dist", "main_region_dist"):
        return f"{int(value)} blocks from the main prose region" if value else "inside the main prose region"
    if name.startswith("p1") or name in ("region_share", "main_region_share"):
        return "where the article's text is"
    if name.startswith("n") and name[1:2] in "+-" or name.startswith("w") and name[1:2].isdigit():
        return "neighbouring blocks' shape"
    if name == "title_line_dist":
        if value == 99:
            return "no headline line found"
        return f"{int(abs(value))} blocks {'after' if value > 0 else 'before'} the headline" if value else "the headline"
    if name == "after_title":
        return "after the headline" if value else "before the headline"
    if name.startswith("comment"):
        return "comment-thread markers" if value else "no comment-thread markers"
    if name == "punct_frac":
        return f"punctuation {value:.0%}"
    if name == "sentences":
        return f"{int(value) + 1} sentences"
    if name == "has_date":
        return "contains a date" if value else None
    if name == "has_time":
        return "time/age stamp" if value else None
    if name == "copyright":
        return "copyright notice" if value else None
    if name == "separators":
        return f"{int(value)} separators" if value else None
    if name == "bullet":
        return "bullet" if value else None
    if name == "body_vocab":
        return f"{value:.0%} of its words in the body"
    if name in ("blank_before", "blank_after"):
        return None
    return name.replace("_", " ")


_DESCRIBED: dict[tuple[str, float], str | None] = {}


def _described(name: str, value: float) -> str | None:
    """_describe(name, value), kept for values other than zero and NaN (the binary features' 1.0, the committed
    thresholds' values: the same few come back on every page; equal floats other than ±0 are the same number,
    so the answer is the same). Up to 8192 kept, then forgotten."""
    if not value or value != value:
        return _describe(name, value)
    key = (name, value)
    text = _DESCRIBED.get(key, _UNDESCRIBED)
    if text is _UNDESCRIBED:
        if len(_DESCRIBED) >= 8192:
            _DESCRIBED.clear()
        text = _DESCRIBED[key] = _describe(name, value)
    return text


_UNDESCRIBED = object()


def _reason(names: list[str], X: np.ndarray, contrib: np.ndarray, p: float, boiler: bool) -> str:
    signed = (1.0 if boiler else -1.0) * contrib
    return _reason_text(names, X, _ranked(signed[None, :])[0], p, boiler)


def _ranked(signed: np.ndarray) -> list[list[int]]:
    """Per row of `signed` (contributions towards the verdict), what a reason reads: the 12 largest, largest first,
    up to the first that is <= 0. The compiled core sorts the few positive values of a row (numpy's three calls on
    small arrays cost more) and leaves to numpy the rows whose ties make the order numpy's own choice."""
    if _tree_core is not None and signed.dtype == np.float64:
        ranked = _tree_core.rank(np.ascontiguousarray(signed), 12)
        if None in ranked:
            unsettled = [r for r, order in enumerate(ranked) if order is None]
            for r, order in zip(unsettled, _numpy_ranked(signed[unsettled]), strict=True):
                ranked[r] = order
        return ranked
    return _numpy_ranked(signed)


def _numpy_ranked(signed: np.ndarray) -> list[list[int]]:
    """_ranked by numpy: the 12 largest of each row (argpartition), ordered by a stable argsort, up to the first
    that is <= 0 (a NaN is not: the reasons' loop once went on past one)."""
    k = signed.shape[1]
    if k > 12:
        top = np.argpartition(-signed, 11, axis=1)[:, :12]
    else:
        top = np.broadcast_to(np.arange(k), signed.shape)
    picked = np.take_along_axis(-signed, top, axis=1)
    order = np.argsort(picked, axis=1, kind="stable")
    done = np.take_along_axis(picked, order, axis=1) >= 0  # (-x >= 0: x <= 0)
    ends = np.where(done.any(axis=1), done.argmax(axis=1), done.shape[1]).tolist()
    return [row[:end] for row, end in zip(np.take_along_axis(top, order, axis=1).tolist(), ends, strict=True)]


def _reason_text(names: list[str], X: np.ndarray, order: list[int], p: float, boiler: bool) -> str:
    """The reason's words: the first four different descriptions of the features of `order` (_ranked's)."""
    said: list[str] = []
    for j in order:
        text = _described(names[j], float(X[j]))
        if text and text not in said:
            said.append(text)
        if len(said) == 4:
            break
    verdict = "boilerplate" if boiler else "body"
    return f"model: {verdict} ({', '.join(said) or 'overall shape'}), p={p:.2f}"


class BlockScore:
    """The model's judgement of one block: probability of boilerplate and why.

    The reason is worked out when first read (most blocks are kept, and nobody reads why): by `explain()`, or
    `explain(row)` for the scores _lazy_scores makes."""

    __slots__ = ("p_boilerplate", "_reason", "_explain", "_row")

    def __init__(self, p_boilerplate: float, reason: str | None = None,
                 explain: Callable[[], str] | None = None) -> None:
        self.p_boilerplate = p_boilerplate
        self._reason = reason
        self._explain = explain
        self._row = -1  # (explain() takes no row)

    @property
    def reason(self) -> str:
        if self._reason is None:
            explain = self._explain
            self._reason = "" if explain is None else explain() if self._row < 0 else explain(self._row)
            self._explain = None
        return self._reason

    @reason.setter
    def reason(self, value: str) -> None:
        self._reason = value
        self._explain = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BlockScore):
            return NotImplemented
        return (self.p_boilerplate, self.reason) == (other.p_boilerplate, other.reason)

    def __repr__(self) -> str:
        return f"BlockScore(p_boilerplate={self.p_boilerplate!r}, reason={self.reason!r})"


def _lazy_scores(p: list[float], reasons: Callable[[int], str]) -> list[BlockScore]:
    """A BlockScore per p, the i-th one's reason `reasons(i)` when read. Made without __init__ (a Python frame
    each) and without a partial each (and its dict): a document's scores cost half as much."""
    new = BlockScore.__new__
    scores = []
    for i, pi in enumerate(p):
        score = new(BlockScore)
        score.p_boilerplate = pi
        score._reason = None
        score._explain = reasons
        score._row = i
        scores.append(score)
    return scores


class _Reasons:
    """Reasons for one document's blocks, worked out on demand: the path attribution of the row asked for
    and, at the same time, of every row at least as likely boilerplate, or over the threshold: the ones a
    caller removing blocks asks for next."""

    def __init__(self, trees: Trees, names: list[str], X: np.ndarray, p: np.ndarray, cut: float,
                 leaves: np.ndarray | None = None) -> None:
        self.trees, self.names, self.X, self.p, self.cut, self.leaves = trees, names, X, p, cut, leaves
        self.ranked: dict[int, list[int]] = {}  # a row's _ranked order
        self.p_list: list[float] | None = None  # p as floats (a few dozen: a list beats numpy's calls)

    def __call__(self, i: int) -> str:
        ranked = self.ranked
        order = ranked.get(i)
        p = self.p_list
        if p is None:
            p = self.p_list = self.p.tolist()
        cut = self.cut
        if order is None:
            bound = min(p[i], cut)
            rows = [j for j, pj in enumerate(p) if pj >= bound and j not in ranked]
            if i not in rows:
                rows.append(i)
            sign = np.array([1.0 if p[j] >= cut else -1.0 for j in rows])[:, None]
            # (the leaves of these rows taken row by row: attribute reads them in that order, without a copy)
            leaves = None if self.leaves is None else self.leaves.T[rows].T
            signed = sign * self.trees.attribute(self.X[rows], leaves)
            ranked.update(zip(rows, _ranked(signed), strict=True))
            order = ranked[i]
        p_i = p[i]
        return _reason_text(self.names, self.X[i], order, p_i, p_i >= cut)


class BlockClassifier:
    """Scores blocks as boilerplate; HTML blocks (with DOM evidence) and text lines use their own models."""

    def __init__(self, models: dict[str, dict[str, Trees]], thresholds: dict[str, float]) -> None:
        self.models = models
        self.thresholds = thresholds
        self._last: tuple[Any, ...] | None = None  # the last call of scores(): key, result, stage 1's tests

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_last": None}

    @classmethod
    def from_files(cls, paths: dict[str, Path]) -> BlockClassifier:
        models: dict[str, dict[str, Trees]] = {}
        thresholds: dict[str, float] = {}
        for mode, path in paths.items():
            spec = json.loads(path.read_text(encoding="utf-8"))
            models[mode] = {"stage1": Trees(spec["stage1"]), "stage2": Trees(spec["stage2"])}
            thresholds[mode] = float(spec.get("threshold", 0.5))
        return cls(models, thresholds)

    @classmethod
    def load(cls) -> BlockClassifier:
        """The committed models (cached: loading the JSON once per process), unless overridden."""
        return _OVERRIDE[0] if _OVERRIDE else _load_default()

    @classmethod
    def override(cls, classifier: BlockClassifier | None) -> None:
        """Make load() return `classifier` (None restores the committed models). The benchmark uses it to
        run the whole pipeline with per-fold models, so its numbers are out-of-fold."""
        _OVERRIDE.clear()
        if classifier is not None:
            _OVERRIDE.append(classifier)

    @classmethod
    def from_specs(cls, specs: dict[str, dict[str, Any]]) -> BlockClassifier:
        """From model specs as tools/train_blocks.py writes them (mode → spec)."""
        return cls({m: {"stage1": Trees(s["stage1"]), "stage2": Trees(s["stage2"])} for m, s in specs.items()},
                   {m: float(s.get("threshold", 0.5)) for m, s in specs.items()})

    def threshold(self, html: bool) -> float:
        """The p_boilerplate above which a block is removed (chosen out-of-fold by the trainer)."""
        return self.thresholds["html" if html else "text"]

    def probabilities(self, blocks: list[Block], title: str | None) -> list[float]:
        """p_boilerplate per block alone: scores() without copying the feature matrix for the caller (the
        cleaner's headline finder reads nothing else)."""
        return self._scored(blocks, title)[0].tolist() if blocks else []

    def scores(self, blocks: list[Block], title: str | None, attribute: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[str], bool]:
        """p_boilerplate per block plus, with attribute, the matrix and contributions used for reasons."""
        p, X2, names, html, leaves = self._scored(blocks, title)
        p, X2 = p.copy(), X2.copy()  # the caller's (the answer is kept for the next call)
        contrib = self.models["html" if html else "text"]["stage2"].attribute(X2, leaves) if attribute else None
        return p, X2, contrib, names, html

    def _scored(self, blocks: list[Block], title: str | None
                ) -> tuple[np.ndarray, np.ndarray, list[str], bool, np.ndarray | None]:
        """scores() without contributions, and the leaves stage 2 reached (for the reasons), as kept for the
        next call: not to be changed."""
        key = _scores_key(blocks, title)
        last = self._last
        if last is not None and last[0] == key:  # the same blocks and headline as the last call
            return last[1]
        html = _is_html(blocks)
        model = self.models["html" if html else "text"]
        stage1, stage2 = model["stage1"], model["stage2"]
        # With the compiled core, stage 2's columns are filled in to the right of the block features (stage 1's
        # trees read the columns they test alone): no concatenation copies them again.
        width = len(_feature_names(html))
        spare = len(stage2.names) - width if _tree_core is not None and blocks else 0
        read = key[2] if type(key[2]) is tuple else None  # (blocks_key's, else the Python code's key)
        X_wide, _, html, spaced = _features(blocks, title, max(spare, 0), read)
        X = X_wide[:, :width] if spare > 0 else X_wide
        # The same blocks with another headline (the cleaner's second call, once it found one): stage 1's
        # tests on the other columns are those of the last call, when those columns are indeed the same (a
        # headline can change one more: comment_head_before, below a "12 comments" link above it). Not with the
        # compiled core: evaluating the trees again costs it less.
        static = None
        if _tree_core is None and last is not None and last[0][1:] == key[1:] and last[2] is not None:
            others = _untitled_columns(html)
            if np.array_equal(last[3][:, others], X[:, others]):
                static = last[2]
        if _tree_core is None and (static is not None or title is None):
            values, static = stage1.split_leaf_values(X, _title_columns(html), static, same_rows=title is None)
            p1 = _sigmoid(stage1.base + values.sum(axis=1))
        else:
            p1 = _sigmoid(stage1.raw(X_wide if spare > 0 else X)[0])
        context = [stage2_features(p1, blocks, spaced), *_stage2_extra(stage2.names, p1, blocks, spaced)]
        if spare > 0 and sum(c.shape[1] for c in context) == spare:
            X2 = X_wide
            X2[:, width:] = context[0] if len(context) == 1 else np.concatenate(context, axis=1)
        else:
            X2 = np.concatenate([X, *context], axis=1)
        raw, leaves = stage2.raw_and_leaves(X2)
        result = (_sigmoid(raw), X2, stage2.names, html, leaves)
        self._last = (key, result, static, X, spaced)
        return result

    def predict_among(self, blocks: list[Block], title: str | None, kept: list[int]) -> list[BlockScore]:
        """Stage 2 again over the blocks at `kept` alone (in order): the block features and stage-1 scores are
        the whole page's (the last scores of these blocks, cached), the neighbourhood stage 2 reads is made of
        the kept blocks only. The cleaner asks this with the blocks its rules left, so that the teasers, share
        bars and ads they removed no longer stand around the article as "neighbours that look like
        boilerplate". One BlockScore per kept block; with every block kept, the same as predict()."""
        if not kept:
            return []
        _, X2, names, html, _ = self._scored(blocks, title)
        spaced = self._last[4] if self._last is not None else None  # (these blocks': _scored's)
        words = [spaced[i] for i in kept] if spaced is not None else None
        stage2 = self.models["html" if html else "text"]["stage2"]
        n_block = len(_feature_names(html))
        sub = [blocks[i] for i in kept]
        rows = np.array(kept, dtype=np.intp)  # (once: numpy would convert the list for each index)
        X = X2[rows, :n_block]
        p1 = X2[rows, n_block]  # stage 2's first column (STAGE2_NAMES[0]): the block's own stage-1 score
        X2k = np.concatenate([X, stage2_features(p1, sub, words), *_stage2_extra(names, p1, sub, words)], axis=1)
        raw, leaves = stage2.raw_and_leaves(X2k)
        p = _sigmoid(raw)
        reasons = _Reasons(stage2, names, X2k, p, self.threshold(html), leaves)
        return _lazy_scores(p.tolist(), reasons)

    def predict(self, blocks: list[Block], title: str | None) -> list[BlockScore]:
        """One BlockScore per block, in order; each reason is worked out when it is read."""
        if not blocks:
            return []
        p, X2, names, html, leaves = self._scored(blocks, title)
        reasons = _Reasons(self.models["html" if html else "text"]["stage2"], names, X2, p, self.threshold(html),
                           leaves)
        return _lazy_scores(p.tolist(), reasons)


@cache
def _title_columns(html: bool) -> tuple[int, ...]:
    """The feature columns the headline changes (block_features: all others are the blocks' own); without a
    headline they hold the same values on every row."""
    names = _feature_names(html)
    return tuple(names.index(c) for c in ("title_sim", "title_contained", "title_line_dist", "after_title"))


@cache
def _untitled_columns(html: bool) -> np.ndarray:
    """The feature columns other than _title_columns: stage 1's tests on them are reused for the same blocks
    with another headline only when their values are unchanged."""
    return np.setdiff1d(np.arange(len(_feature_names(html))), _title_columns(html))


def _scores_key(blocks: list[Block], title: str | None) -> tuple[Any, ...]:
    """What scores() reads of a document: the blocks' texts, blank lines and DOM evidence, the headline.
    (The cleaner scores a page twice, without a headline to find one and then with it: often none.) The compiled
    core reads the same values without a Python frame a block (the keys of the two are never equal)."""
    if _core is not None:
        key = _core.blocks_key(blocks)
        if key is not None:
            return (title, *key)
    return (title, [b.text for b in blocks],
            [(f.get("blank_before", False), f.get("blank_after", False), id(f.get("dom")), f.get("group"))
             for f in [b.features for b in blocks]])


_OVERRIDE: list[BlockClassifier] = []


@cache
def _load_default() -> BlockClassifier:
    return BlockClassifier.from_files({"text": models_dir() / "blocks_text.json",
                                       "html": models_dir() / "blocks_html.json"})
