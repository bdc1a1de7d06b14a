"""Title and date: metadata, not body. From the page's metadata (HTML) or from the text (the headline line and a
date line near the top), the date normalised to ISO 8601."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from . import prose
from .document import Block
from .prose import ends_full_stop, opens_body, split_count, word_count

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ]
    )
    for m in names
}
TIMEZONES = {
    "utc": "+00:00", "gmt": "+00:00", "z": "+00:00", "bst": "+01:00", "cet": "+01:00", "cest": "+02:00",
    "eet": "+02:00", "eest": "+03:00", "msk": "+03:00", "ist": "+05:30", "hkt": "+08:00", "sgt": "+08:00",
    "cst": "-06:00", "cdt": "-05:00", "est": "-05:00", "edt": "-04:00", "mst": "-07:00", "mdt": "-06:00",
    "pst": "-08:00", "pdt": "-07:00", "jst": "+09:00", "kst": "+09:00", "aest": "+10:00", "aedt": "+11:00",
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[ T,]+(?:at\s+)?(?P<hh>\d{1,2}):(?P<mm>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?"
_TZ = r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|[A-Z]{2,4}T?\b))?"
DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + _TZ, re.I),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})" + _TIME + _TZ, re.I),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _TIME + _TZ, re.I),
    re.compile(_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME + _TZ, re.I),
    re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<y>\d{4})" + _TIME + _TZ, re.I),
]
_DIGIT = re.compile(r"\d")
# What each of DATE_PATTERNS needs before it can match, tested first (a cheap scan instead of a search with
# the pattern at every position): every one a year's four digits; the numeric forms their separator; the
# month-name forms the first three letters of a month name (each of _MONTH's names begins with one; the same
# re.I matching, so the test is exact).
_YEAR_DIGITS = re.compile(r"\d{4}")
_MONTH_START = re.compile("|".join(sorted({m[:3] for m in MONTHS})), re.I)
_PATTERN_NEEDS = ("-", "/", ".", None, None)
# The letters other than their own two cases that re.I matches to an ASCII letter (İ ı ſ and the Kelvin sign): a
# month's name matched with one of them ("ſept") is looked up with its letter.
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
# Words that may stand beside a date on a date line ("Published on Monday, 7 Sep 2025 at 14:06 HKT").
_DATE_LINE_FILLER = re.compile(
    r"\b(?:published|updated|posted|last|modified|first|date|on|at|am|pm|a\.m\.|p\.m\.|hours?|ago|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\b|[|·•,:;/()\[\]–—-]",
    re.I,
)
_TITLE_NOISE = re.compile(r"^(?:by\s|photo|image|credit|advertisement|share|skip to)\b", re.I)


def parse_date(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first date in text as ISO 8601 (with time and offset when given), and the match span."""
    if _YEAR_DIGITS.search(text) is None:  # every pattern needs a year (most lines have none: five scans saved)
        return None
    named = None  # whether a month's name can be in text (asked once, when a pattern needs it)
    for pattern, separator in zip(DATE_PATTERNS, _PATTERN_NEEDS, strict=True):
        if separator is not None:
            if separator not in text:
                continue
        else:
            if named is None:
                named = _MONTH_START.search(text) is not None
            if not named:
                continue
        for match in pattern.finditer(text):
            g = match.groupdict()
            month = MONTHS[g["month"].translate(_ASCII_FOLD).lower()] if g.get("month") else int(g["m"])
            year, day = int(g["y"]), int(g["d"])
            if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
                continue
            iso = f"{year:04d}-{month:02d}-{day:02d}"
            if g.get("hh") is not None:
                hour, minute = int(g["hh"]), int(g["mm"])
                if g.get("ampm"):
                    hour = hour % 12 + (12 if g["ampm"].lower().startswith("p") else 0)
                if hour < 24 and minute < 60:
                    iso += f"T{hour:02d}:{minute:02d}:{int(g['ss'] or 0):02d}"
                    tz = (g.get("tz") or "").strip()
                    if tz.upper() == "Z" or tz.lower() in TIMEZONES:
                        iso += TIMEZONES[tz.lower()]
                    elif re.fullmatch(r"[+-]\d{2}:?\d{2}", tz):
                        iso += tz[:3] + ":" + tz[-2:]
            return iso, match.span()
    return None


def is_date_line(text: str) -> str | None:
    """ISO date when the line holds nothing but a date, times, weekdays and words like 'Published'."""
    if len(text) > 80:
        return None
    return _date_line(text)


@lru_cache(maxsize=1 << 12)
def _date_line(text: str) -> str | None:
    """is_date_line of a short line. (Cached: the stamped-list rule, the headline finder and the date finder ask
    about the same short lines of a page, and a site prints the same byline and date lines on every page.)"""
    found = parse_date(text)
    if not found:
        return None
    iso, (start, end) = found
    rest = _DATE_LINE_FILLER.sub(" ", text[:start] + " " + text[end:])
    rest = re.sub(r"\b\d{1,2}:\d{2}(:\d{2})?\b|\b[A-Z]{2,4}\b", " ", rest)
    return iso if not rest.strip() else None


#: a line that is only a time, a duration or an age ("01:45", "13 hours ago", "Today 7:30 AM")
_TIME_LINE = re.compile(
    r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?|(?:\d+|an?)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|"
    r"hours?|d|days?|w|weeks?|months?|years?)\s+ago|(?:today|yesterday)(?:,?\s+\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?)?)\s*$",
    re.I)


def is_stamp_line(text: str) -> bool:
    """A line that is only a date, a time, a duration or an age: what a list of stories prints under each title."""
    return _TIME_LINE.match(text) is not None or is_date_line(text) is not None


def stamp_lines(texts: list[str]) -> list[int]:
    """The indexes of the stamp lines among texts (is_stamp_line). The compiled core first rules out the texts
    that neither are short with a year's digits nor begin and end as a time or an age can (almost every line);
    the others are asked of is_stamp_line, which stays the definition."""
    core = prose._core
    maybe = range(len(texts)) if core is None else core.stamp_candidates(texts)
    return [i for i in maybe if is_stamp_line(texts[i])]


def _title_likeness(block: Block) -> float:
    text = block.text
    words = split_count(text)
    if block.kind == "list_item" or words < 3 or words > 30 or _TITLE_NOISE.match(text) or is_date_line(text):
        return 0.0
    score = 1.0 + 0.2 * min(words, 10) / 10  # headlines run to several words; menu items and labels do not
    if text.endswith("."):
        score -= 0.3
    if block.features.get("blank_before", True) and block.features.get("blank_after", True):
        score += 0.2
    return score


# Headline among the lines above the article's first paragraph (text mode, no declared headline): a linear
# score, its weights fitted as a choice among each page's candidate lines (conditional logit) on the 238
# development pages of ../shared/data/extraction, and rounded. The gold title line is found on 170 of them
# (214 have one) with these weights and out-of-fold block models, on 165 when the weights too are refit on 4
# of 5 site-grouped folds and judged on the 5th; the title-likeness alone in a 15-line window found 105.
HEADLINE_WEIGHTS = {
    "length": 3.5,  # × min(words, 12) / 12: a headline runs to several words, a label or menu item does not
    "overlong": -2.4,  # × words beyond 14, per 10: a standfirst, a teaser, a caption
    "sentence": -2.9,  # ends with a full stop: a standfirst or caption, not a headline
    "date": -1.9,  # holds a date or time: a byline or date line ("Updated 3:27 am PST, Wednesday, ...")
    "caption": -1.9,  # photo credit words
    "separators": -0.9,  # × min(separators, 2) / 2: a breadcrumb "News > Business", "Section | Site"
    "quote": -0.8,  # opens with a quotation mark: a pull quote
    "contains": -0.45,  # contains a line nearby ("Home News <headline>")
    "lede": 3.9,  # × share of its words found in the first paragraphs of the article
    "byline_after": 2.4,  # a byline or date line follows within 3 lines
    "far": -0.75,  # × lines beyond HEADLINE_NEAR before the article, per 15
    "blank": 0.9,  # blank lines around it (text): set apart like a heading
    "p_boilerplate": 1.4,  # × the model's p_boilerplate judged without a headline (the headline is not body)
}
HEADLINE_NEAR = 15
#: lines before the article looked at (galleries and share buttons may stand between headline and body)
HEADLINE_WINDOW = 40
_WORD4 = re.compile(r"\w{4,}")
# A time, a date or an age: \b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d+\s*(?:min|hours?|days?)\s+ago\b, each
# alternative's first digit taken first (its \b looked behind): a pattern that opens with a digit is searched for by
# a scan to the next digit, not tried at every position. The same matches.
_TIME_OR_DATE = re.compile(r"\d(?<=\b\d)(?:\d?:\d{2}\b|\d?/\d{1,2}/\d{2,4}\b|\d*\s*(?:min|hours?|days?)\s+ago\b)", re.I)
# (the lookahead: a word can start only with one of these letters, and one test of a character set a position
# costs less than trying every word there; the same matches)
_CAPTION = re.compile(
    r"(?=[picgasfф©])(?:\b(?:photo|photos|photograph|image|credit|credits|getty|afp|shutterstock|istock|courtesy"
    r"|foto|фото)\b|©)",
    re.I,
)
_SEPARATOR = re.compile(r"[»›|]|\s[>/]\s")
_QUOTES = "\"'“”‘’«„"
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door|av|af)\s", re.I)


def _has_date(text: str) -> bool:
    return _DIGIT.search(text) is not None and (_TIME_OR_DATE.search(text) is not None or parse_date(text) is not None)


#: how much longer than a candidate's key a neighbour's prefix is normalised (see _prefix_norm_length): prose
#: loses a few characters in ten to punctuation
_PREFIX_SLACK = 32


def _prefix_norm_length(text: str, chars: int) -> int:
    """len(_norm(text[:chars])) (by _headline_norm): never more than len(_norm(text)), so a lower bound of it.
    (str.lower maps each character to the same characters whatever follows it, but for a capital sigma's final
    form, a letter either way; so the prefix's runs of word characters are the whole text's, the last one perhaps
    cut short.) A paragraph next to a candidate headline is far longer than it, and this shows it at a fraction
    of the cost."""
    return len(_headline_norm(text[:chars]))


#: bytes.translate's table: an ASCII word character as itself (a capital as its lower case), any other a space
_ASCII_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if chr(c).isalnum() and c < 128 or c == 95 else 32
                          for c in range(256))
#: the typographic punctuation that makes most English text non-ASCII: curly quotes, dashes, an ellipsis, a
#: no-break space (no word characters, their own lower case)
_TYPOGRAPHIC = ("\u2019", "\u201c", "\u201d", "\u2018", "\u2014", "\u2013", "\u2026", "\u00a0")


def _ascii_words(text: str) -> str | None:
    """The lower-case runs of word characters of text (as _norm gives them) with one space or more between them,
    when text is ASCII but for _TYPOGRAPHIC (made spaces: no run changes), else None: without a regex (the other
    bytes made spaces, the capitals lowered, in one pass)."""
    if not text.isascii():
        for mark in _TYPOGRAPHIC:
            if mark in text:
                text = text.replace(mark, " ")
        if not text.isascii():
            return None
    return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii")


def _headline_norm(text: str) -> str:
    """_norm(text), for ASCII text (but for _TYPOGRAPHIC) without a regex."""
    words = _ascii_words(text)
    return _norm(text) if words is None else " ".join(words.split())


def _lower_words4(text: str) -> list[str]:
    """The lower-case words of four or more word characters in text ([w.lower() for w in _WORD4.findall(text)]),
    and in ASCII text (but for _TYPOGRAPHIC) the shorter ones too: a set of them is only ever intersected with
    such words. Elsewhere, where lower() maps each character to one (no "İ") and no capital sigma is there (whose
    lower case depends on its neighbours), the runs of word characters of text.lower() are text's own, lowered
    (no character's lower case is a word character when it is not, or the reverse: tests/test_headline.py checks
    every code point): no lower() a word."""
    words = _ascii_words(text)
    if words is not None:
        return words.split()
    low = text.lower()
    if len(low) == len(text) and "\u03a3" not in text:
        return _WORD4.findall(low)
    return [w.lower() for w in _WORD4.findall(text)]


def headline_features(blocks: list[Block], start: int, p_boilerplate: list[float] | None = None,
                      window: int = HEADLINE_WINDOW, chrome: Callable[[str], bool] | None = None,
                      ) -> list[tuple[int, dict[str, float]]]:
    """The candidate headlines among the `window` lines before `start` (the article's first paragraph): each
    title-like line's index with its HEADLINE_WEIGHTS features. `chrome(text)`: a line the rule packs remove
    (a comment count, a newsletter prompt) is no candidate."""
    lede: set[str] | None = None  # the first paragraphs' words, read when a candidate asks (often none does)
    dated: dict[int, bool] = {}
    norms: dict[int, str] = {}
    at_least: dict[int, int] = {}  # a lower bound of len(norm(j)) where only a prefix was normalised

    def norm(j: int) -> str:
        if j not in norms:
            norms[j] = _headline_norm(blocks[j].text)
        return norms[j]

    def shorter_norm(j: int, limit: int) -> str | None:
        """norm(j) when it may be shorter than `limit`, else None: a long neighbour (a paragraph) is normalised
        only as far as it takes to see that it is not (_prefix_norm_length)."""
        if j in norms:
            return norms[j]
        if at_least.get(j, 0) >= limit:
            return None
        text = blocks[j].text
        if len(text) > limit + _PREFIX_SLACK:
            at_least[j] = _prefix_norm_length(text, limit + _PREFIX_SLACK)
            if at_least[j] >= limit:
                return None
        return norm(j)

    def meta_line(j: int) -> bool:
        if j not in dated:
            text = blocks[j].text
            dated[j] = len(text) <= 120 and (_BYLINE.match(text) is not None or _has_date(text))
        return dated[j]

    out = []
    for i in range(max(0, start - window), start):
        block = blocks[i]
        if not _title_likeness(block) or chrome is not None and chrome(block.text):
            continue
        text = block.text
        words = split_count(text)
        key = norm(i)
        tokens = {w for w in _lower_words4(text) if len(w) >= 4}  # (lower() never shortens a word)
        if lede is None:
            lede = set().union(*[_lower_words4(block.text) for block in blocks[start : start + 4]])
        size = len(key)  # (a line can be in the key only when its norm is shorter)
        near = (shorter_norm(j, size) for j in range(max(0, i - 3), min(len(blocks), i + 4)) if j != i)
        f = {
            "length": min(words, 12) / 12,
            "overlong": max(0, words - 14) / 10,
            "sentence": float(ends_full_stop(text)),
            "date": float(meta_line(i)),
            "caption": float(_CAPTION.search(text) is not None),
            "separators": min(len(_SEPARATOR.findall(text)), 2) / 2,
            "quote": float(text[:1] in _QUOTES),
            "contains": float(any(o is not None and o.count(" ") >= 2 and len(o) < size and o in key for o in near)),
            "lede": len(tokens & lede) / len(tokens) if tokens else 0.0,
            "byline_after": float(any(meta_line(j) for j in range(i + 1, min(i + 4, len(blocks))))),
            "far": max(0, start - i - HEADLINE_NEAR) / 15,
            "blank": float(block.features.get("blank_before", True) and block.features.get("blank_after", True)),
            "p_boilerplate": float(p_boilerplate[i]) if p_boilerplate is not None else 0.0,
        }
        out.append((i, f))
    return out


def find_headline(blocks: list[Block], start: int, p_boilerplate: list[float] | None = None,
                  window: int = HEADLINE_WINDOW, chrome: Callable[[str], bool] | None = None) -> int | None:
    """Index of the headline among the `window` lines before `start` (the article's first paragraph): the best
    by HEADLINE_WEIGHTS (title-like shape, words shared with the first paragraphs, a byline or date below it,
    closeness), the earliest of equals; None when no line there looks like a title at all."""
    best, best_score = None, float("-inf")
    for i, f in headline_features(blocks, start, p_boilerplate, window, chrome):
        score = sum(HEADLINE_WEIGHTS[k] * v for k, v in f.items())
        if score > best_score:
            best, best_score = i, score
    return best


# What a line picked from the text as its headline may turn out to be instead: a lede, a label, a call to action.
# Of 2,318 news headlines (../shared/data/news) 0.3% fail these checks, of the 214 dev pages' gold titles 4%;
# of the lines the finder took for a headline in texts that have none (the dev pages' gold article text,
# ../shared/data/news bodies) 45% and 89%.
HEADLINE_MAX_WORDS = 20
_SENTENCE_BREAK = re.compile(r"[a-z)\]\"”’'][.!?][\"”’']?\s+[A-Z\"“‘']")  # "... mine alone. All opinions ..."
_MARKUP = re.compile(r"https?://|www\.|\S@\S|(?:^|\s)[#@]\w")  # a URL, an e-mail, a hashtag or handle


def headline_doubts(text: str) -> list[str]:
    """Why a line is not shaped like a headline (empty when it is): too long, a full sentence or two, all in
    capitals (a section heading, "CLICK FOR RESULTS"), or carrying a URL, e-mail, hashtag or handle."""
    doubts = []
    if word_count(text) > HEADLINE_MAX_WORDS:
        doubts.append(f"more than {HEADLINE_MAX_WORDS} words")
    if ends_full_stop(text):
        doubts.append("ends with a full stop")
    if _SENTENCE_BREAK.search(text):
        doubts.append("holds a sentence break")
    letters = [c for c in text if c.isalpha()]
    if split_count(text) >= 2 and any(c.isupper() for c in letters) and not any(c.islower() for c in letters):
        doubts.append("all in capitals")
    if _MARKUP.search(text):
        doubts.append("holds a URL, e-mail, hashtag or handle")
    return doubts


def find_title(blocks: list[Block], declared: str | None = None) -> int | None:
    """Index of the headline block: the one equal to a declared title, else the most title-like line before the
    first long paragraph (the earliest of equal copies, so a repeated headline is removed as a copy)."""
    if declared:
        key = _norm(declared)
        # None when it is not in the text: the caller knows the headline, so guess no other
        return next((i for i, block in enumerate(blocks[:60]) if norm_equals(block.text, key)), None)
    first_long = next((i for i, b in enumerate(blocks) if opens_body(b.text)), len(blocks))
    best, best_score = None, 0.0
    for i in range(min(first_long, 60)):
        score = _title_likeness(blocks[i])
        if score and score >= best_score:
            best, best_score = i, score
    if best is None:
        return None
    key = _norm(blocks[best].text)
    return next(i for i in range(best + 1) if norm_equals(blocks[i].text, key))


def lines_equal_to(texts: list[str], key: str) -> list[int]:
    """The indexes of the texts whose _norm is key (norm_equals). The compiled core first rules out the ASCII
    texts whose _norm is another, and the others with more word characters than key has characters (their _norm
    is longer: every paragraph of a page)."""
    core = prose._core
    maybe = range(len(texts)) if core is None else core.norm_candidates(texts, key)
    return [i for i in maybe if norm_equals(texts[i], key)]


def norm_equals(text: str, key: str) -> bool:
    """_norm(text) == key, for a key _norm made: without tokenising the many texts lacking one of key's words
    (its longest word is looked for first: most texts lack it)."""
    if key:
        low = text.lower()
        words = _key_words(key)
        if words[0] not in low or not all(word in low for word in words):
            return False
    return _norm(text) == key


@lru_cache(maxsize=64)
def _key_words(key: str) -> tuple[str, ...]:
    """The words of a _norm key, the longest first (a page's blocks are compared with one key many times)."""
    return tuple(sorted(key.split(" "), key=len, reverse=True))


def find_date(blocks: list[Block], title_index: int | None) -> tuple[int, str] | None:
    """A date line near the headline (or near the top when there is none)."""
    start = 0 if title_index is None else max(0, title_index - 3)
    end = min(len(blocks), (title_index or 0) + 6)
    for i in range(start, end):
        iso = is_date_line(blocks[i].text)
        if iso:
            return i, iso
    return None


def normalize_date(value: str | None) -> str | None:
    """Any date string a page or input gives, as ISO 8601, or None."""
    if not value:
        return None
    found = parse_date(value)
    return found[0] if found else None


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
