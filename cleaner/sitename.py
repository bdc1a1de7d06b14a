"""The site's name in a headline: the outlet, not the story.

Pages and feeds put the outlet's name beside the headline ("Council approves budget | Daily Bugle", "... -
IGN"). Counted as a headline word it is a name the body never mentions (a false sign of a swapped headline), and
as the title it names no article. With the page's metadata (og:site_name, the URL's domain) the parts naming the
site are known (`SiteName`, `without_site`: HTML titles); without it a short trailing segment of capitalised
words is taken for one (`strip_site_suffix`: any headline the incoherence scorer reads).
"""

from __future__ import annotations

import re

from cleaner.metadata import _norm
from cleaner.read import domain_of
from cleaner.terms import normalize

#: the separators between a title's parts ("Headline | Site", "Section - Headline - Site")
TITLE_SPLIT = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")
# A trailing " - Site Name", " | Site", " -- Yahoo! News" or "(NBS Nagano Broadcasting)" on a headline: the
# outlet, not the story. Only short segments of capitalised words are taken for one.
_SITE_SUFFIX = re.compile(r"\s+-{1,2}\s*((?:(?!\s-)[^|])+?)\s*$|\s*\|\s*([^|]+?)\s*$|\s*\(([^()]+)\)\s*$")
_NAME_CONNECTORS = frozenset({"of", "the", "and", "&", "at", "de", "for", "on", "in"})


class SiteName:
    """Whether a part of a title names the site: its og:site_name, or its domain's name ("India Post" on
    indiapost.com, "The Daily Planet" on dailyplanet.com, "Sportsnet.ca"). A part that merely contains a short
    domain name ("BBC chief resigns" on bbc.co.uk) is not the site's."""

    def __init__(self, site: str | None, url: str | None) -> None:
        self.key = _norm(site or "")
        host = domain_of(url) or ""  # (None for a malformed URL: no domain to go by)
        labels = [x for x in host.split(".") if x not in ("www", "m", "amp")][:-1]  # no top-level domain
        if len(labels) >= 2 and labels[-1] in ("co", "com", "org", "net", "ac", "gov"):  # bbc.co.uk
            labels.pop()
        self.label = labels[-1].replace("-", "") if labels else ""

    def __call__(self, part: str) -> bool:
        if self.key and _norm(part) == self.key:
            return True
        if not self.label:
            return False
        squashed = re.sub(r"[\W_]+", "", part.lower())
        return squashed in (self.label, "the" + self.label) or (
            len(self.label) >= 5 and self.label in squashed and len(part.split()) <= 4)


def without_site(title: str, is_site: SiteName) -> str:
    """The title without the parts that name the site ("Council approves budget | Daily Bugle" with the site
    "Daily Bugle"): the site's name says nothing about the article, yet it would count as a headline word."""
    parts = [p for p in TITLE_SPLIT.split(title) if p]
    if len(parts) > 1:
        kept = [p for p in parts if not is_site(p)]
        if kept and len(kept) < len(parts):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    return title


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
