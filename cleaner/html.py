"""HTML → the page's blocks with DOM evidence, and the page's metadata.

Every visible line of the page becomes a Block (the same lines as the dev set's naive text mode, so one
set of gold line labels trains both modes); each carries the DOM evidence a person would use to tell
article from chrome: link density, tags around it, class/id names (nav, footer, related, comment, share,
...), a Readability-style score of its container, and trafilatura's vote (cleaner.vote). Nothing is dropped
here: the block classifier decides, and says why, so every removal is explained. Metadata comes from what the
page declares (meta tags, JSON-LD, <time>, <title>), htmldate when no date is declared.
"""

from __future__ import annotations

import re
import threading
from itertools import islice
from typing import Any

import lxml.html
import numpy as np
from htmldate import find_date
from lxml import etree

from cleaner.document import Block
from cleaner.metadata import _norm
from cleaner.prose import PARAGRAPH_WORDS, word_count
from cleaner.sitename import TITLE_SPLIT, SiteName, without_site
from cleaner.vote import BULLETS, MainText, kept_text, votes

SKIP_TAGS = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "base", "svg", "math",
    "iframe", "frame", "object", "embed", "applet", "canvas", "audio", "video", "source", "track", "map",
    "area", "select", "datalist", "input", "img", "picture", "param",
}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav",
    "noframes", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "textarea",
}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WS = re.compile(r"\s+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _clean(text: str) -> str:
    return _WS.sub(" ", text.translate(_INVISIBLE)).strip()


class _Parsers(threading.local):
    """One libxml2 HTML parser per thread (a parser is not shared between threads). Every element it makes is
    an lxml.html.HtmlElement, as trafilatura needs, with the class chosen in C: lxml.html's own parser calls
    a Python lookup for every element Python touches (about 3% of HTML cleaning's instructions)."""

    def __init__(self) -> None:
        self.parser = lxml.html.HTMLParser()
        self.parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))


_PARSERS = _Parsers()


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse with libxml2; an XML declaration would make lxml refuse a str, so it is removed first."""
    html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        html = "<html><body></body></html>"
    parser = _PARSERS.parser
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body>" + html + "</body></html>", parser=parser)


_PARAGRAPH_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "pre", "table", "figure", "hr",
    "address", "fieldset",
}
# class/id/role/itemprop vocabulary: groups of words that mark page chrome (or the article) on most sites
_ATTR_GROUPS: dict[str, re.Pattern[str]] = {
    "nav": re.compile(r"nav|menu|breadcrumb|masthead|topbar|toolbar|skip|pagination|pager"),
    "footer": re.compile(r"footer|copyright|legal|contentinfo|colophon"),
    "header": re.compile(r"header|banner|logo|brand"),
    "comment": re.compile(r"comment|disqus|reply|discussion|respond|forum"),
    "share": re.compile(r"share|social|facebook|twitter|whatsapp|linkedin|pinterest|email|print|sharing"),
    "related": re.compile(r"related|recommend|also|popular|trending|most|outbrain|taboola|teaser|promo|more|"
                          r"next|prev|feed|latest|headlines|list|card|tile|river|stream|carousel"),
    "ad": re.compile(r"(?:^|[^a-z])ads?(?:[^a-z]|$)|advert|sponsor|dfp|gpt|commercial|marketing|partner"),
    "sidebar": re.compile(r"sidebar|aside|widget|rail|complementary|column|right|left"),
    "subscribe": re.compile(r"subscri|newsletter|signup|sign-up|login|paywall|modal|cookie|consent|register|"
                            r"donat|membership|popup|overlay|alert"),
    "caption": re.compile(r"caption|credit|figure|photo|image|img|media|gallery|video|slide|thumb"),
    "meta": re.compile(r"byline|author|date|time|meta|dateline|tag|topic|categor|kicker|label|info|source|"
                       r"publish|updated|timestamp|contributor|bio"),
    "hidden": re.compile(r"hidden|sr-only|visually|screen-reader|offscreen|invisible|a11y|accessib"),
    "article": re.compile(r"article|content|body|story|post|entry|main|prose|paragraph|rich|copy|text|detail|"
                          r"blog|news"),
    "articlebody": re.compile(r"articlebody|article-body|article_body|articletext|article-text|story-body|"
                              r"storybody|post-body|postbody|entry-content|post-content|article-content|"
                              r"article__body|story__body|body-text|bodytext|main-content"),
}
_GROUPS = tuple(_ATTR_GROUPS)
_TAG_GROUPS: dict[str, set[str]] = {
    "t_nav": {"nav", "menu"},
    "t_header": {"header"},
    "t_footer": {"footer"},
    "t_aside": {"aside"},
    "t_form": {"form", "button", "label", "fieldset", "textarea", "legend"},
    "t_article": {"article", "main"},
    "t_list": {"li", "ul", "ol", "dl", "dd", "dt"},
    "t_table": {"table", "td", "th", "tr"},
    "t_figure": {"figure", "figcaption", "caption"},
    "t_quote": {"blockquote", "q"},
    "t_heading": {"h1", "h2", "h3", "h4", "h5", "h6"},
    "t_time": {"time"},
    "t_strong": {"strong", "b", "em", "i"},
    "t_p": {"p"},
}
#: names of the numbers html_to_blocks puts in Block.features["dom"], in order
DOM_FEATURES: tuple[str, ...] = (
    ("link_density", "link_all", "depth", "n_pieces")
    + tuple(f"cls_{g}" for g in _GROUPS)
    + tuple(f"near_{g}" for g in _GROUPS)
    + tuple(_TAG_GROUPS)
    + ("blk_p", "blk_div", "blk_li", "blk_td", "blk_h", "blk_other",
       "cand_in_top", "cand_ratio", "cand_anc_score", "parent_share", "container_share",
       "container_p_share", "container_link_density", "siblings_p",
       "extractor_main")
)


_FLAG_CACHE: dict[str, int] = {}
_PATTERNS = tuple(_ATTR_GROUPS.values())


def _attr_flags(attrs: str) -> int:
    """Bit set of the class/id/role/itemprop groups named by `attrs`, those values joined by spaces
    (memoised: sites repeat them)."""
    bits = _FLAG_CACHE.get(attrs)
    if bits is None:
        low = attrs.lower()
        bits = 0
        for i, pattern in enumerate(_PATTERNS):
            if pattern.search(low):
                bits |= 1 << i
        if len(_FLAG_CACHE) > 50000:
            _FLAG_CACHE.clear()
        _FLAG_CACHE[attrs] = bits
    return bits


_INVISIBLE_RE = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "]")


def _clean_piece(text: str) -> str:
    """_clean, faster: ASCII text holds no invisible characters, and str.split() splits at exactly the
    characters \\s matches (both use Python's whitespace test), so the result is the same string."""
    if not text.isascii() and _INVISIBLE_RE.search(text):
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())


_TAG_GROUP_BITS = {tag: sum(1 << g for g, tags in enumerate(_TAG_GROUPS.values()) if tag in tags)
                   for tags in _TAG_GROUPS.values() for tag in tags}
# per tag as lxml names it: (lower-case tag, is <br>, is a block, is <a>, is <pre>, ends a paragraph,
# _TAG_GROUPS bits); () for elements that are skipped with their content (and comments, PIs)
_TAG_INFO: dict[Any, tuple] = {}


def _tag_info(tag: Any) -> tuple:
    info = _TAG_INFO.get(tag)
    if info is None:
        if not isinstance(tag, str):
            info = ()
        else:
            low = tag.lower()
            info = () if low in SKIP_TAGS else (low, low == "br", low in BLOCK_TAGS, low == "a", low == "pre",
                                                 low in _PARAGRAPH_TAGS, _TAG_GROUP_BITS.get(low, 0))
        if len(_TAG_INFO) > 10000:
            _TAG_INFO.clear()
        _TAG_INFO[tag] = info
    return info


_N_GROUPS = len(_GROUPS)
_BIT_GROUPS: dict[int, tuple[int, ...]] = {}  # attribute bits -> the groups they name
_NO_POSITION = (-1,) * _N_GROUPS
_FLAG_FLOATS: dict[int, tuple[float, ...]] = {}
_TAG_FLOATS: dict[int, tuple[float, ...]] = {}


def _bit_floats(bits: int, memo: dict[int, tuple[float, ...]], n: int) -> tuple[float, ...]:
    floats = memo.get(bits)
    if floats is None:
        floats = memo[bits] = tuple(float(bits >> g & 1) for g in range(n))
    return floats


def _context(eids: list[int], opened: list[tuple[int, int, int, tuple[int, ...]]]) -> tuple:
    """The evidence shared by every line flushed while these elements are open: the ids of the open elements
    (anc), their count as a float, and the dom floats of near_* (distance from the innermost open element to
    the nearest one naming each group, 99 if none within 99 levels) followed by the t_* tag groups of the open
    elements."""
    depth = len(eids)
    if not depth:
        return (), 0.0, (99.0,) * _N_GROUPS + _bit_floats(0, _TAG_FLOATS, len(_TAG_GROUPS))
    _, _, tag_bits, positions = opened[-1]
    top = depth - 1
    near = [99.0 if pos < 0 else float(min(top - pos, 99)) for pos in positions]  # 99: none within reach
    return tuple(eids), float(depth), tuple(near) + _bit_floats(tag_bits, _TAG_FLOATS, len(_TAG_GROUPS))


class _Line:
    __slots__ = ("text", "block", "block_id", "ctx", "link_chars", "n_pieces", "flags", "blank_before",
                 "blank_after")

    def __init__(self, text: str, block: str, block_id: int, ctx: tuple, link_chars: int, n_pieces: int,
                 flags: int, blank_before: bool) -> None:
        self.text = text
        self.block = block
        self.block_id = block_id
        self.ctx = ctx  # (anc: ids of the open elements, depth, near_* + t_* floats); see _context
        self.link_chars = link_chars
        self.n_pieces = n_pieces
        self.flags = flags
        self.blank_before = blank_before
        self.blank_after = False


def _walk(root: lxml.html.HtmlElement) -> tuple[list[_Line], list[int]]:
    """The page's visible text, one _Line per block-level line, with the DOM evidence around each line.

    The line rules are those of the dev set's naive converter (block elements and <br> end a line, inline
    elements join it, hidden elements and non-text elements are dropped), so text mode and HTML mode see
    the same lines. Returns the lines and, per element id, the id of its parent (for container scores).
    """
    body = root.find("body")
    if body is None:
        body = root
    lines: list[_Line] = []
    parents: list[int] = []
    texts: list[str] = []  # the pieces of the line being built
    links: list[str] = []  # those of them inside a link
    piece_bits = 0  # class/id bits of all ancestors of all its pieces
    # whitespace-only pieces before the line's first text are only counted (n_pieces): most are the indentation
    # between block elements, and building a line out of them cost a flush each
    lead_ws = 0
    # open elements: their ids, and (own class/id bits, bits of it and all its ancestors, _TAG_GROUPS bits of
    # it and its ancestors, per group the position in the stack of the innermost open element naming it)
    eids: list[int] = []
    opened: list[tuple[int, int, int, tuple[int, ...]]] = []
    contexts: dict[int, tuple] = {}  # innermost open element -> _context
    block_stack: list[tuple[str, int]] = [("body", -1)]
    link_depth = 0
    pre_depth = 0
    pending_blank = False
    cum = 0  # of the innermost open element
    tag_bits = 0
    positions = _NO_POSITION

    def flush() -> None:
        nonlocal pending_blank, piece_bits, lead_ws
        raw = "".join(texts)
        link_chars = sum(len(_clean_piece(p)) for p in links) if links else 0
        flags = piece_bits
        n_pieces = len(texts) + lead_ws
        texts.clear()
        links.clear()
        piece_bits = lead_ws = 0
        block, block_id = block_stack[-1]
        ctx = None
        for piece in (raw.split("\n") if pre_depth else (raw,)):
            text = _clean_piece(piece)
            if not text:
                continue
            if ctx is None:
                key = eids[-1] if eids else -1
                ctx = contexts.get(key)
                if ctx is None:
                    ctx = contexts[key] = _context(eids, opened)
            blank_before = pending_blank or not lines
            if lines and blank_before:
                lines[-1].blank_after = True
            pending_blank = False
            lines.append(_Line(text, block, block_id, ctx, min(link_chars, len(text)), n_pieces, flags,
                               blank_before))

    # a manual stack (deep pages would overflow recursion): elements, their texts and tails (str) and, for an
    # element being closed, its _tag_info (tuple)
    stack: list[Any] = [body]
    pop = stack.pop
    push = stack.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:  # text
            if texts or not item.isspace():
                texts.append(item)
                if link_depth:
                    links.append(item)
            else:
                lead_ws += 1
            piece_bits |= cum
            continue
        if kind is tuple:  # close
            opened.pop()
            eids.pop()
            if opened:
                _, cum, tag_bits, positions = opened[-1]
            else:
                cum, tag_bits, positions = 0, 0, _NO_POSITION
            if item[3]:
                link_depth -= 1
            if item[2]:
                if texts:
                    flush()
                elif lead_ws:
                    lead_ws = piece_bits = 0
                block_stack.pop()
                if item[4]:
                    pre_depth -= 1
                if item[5]:
                    pending_blank = True
            continue
        tag = item.tag
        info = _TAG_INFO.get(tag) or _tag_info(tag)
        if not info:
            continue
        bits = 0
        attrs = item.items()  # one call: cheaper than attrib.get per name
        if attrs:
            cls = el_id = role = itemprop = style = None
            hidden = False
            for name, value in attrs:
                if name == "class":
                    cls = value
                elif name == "id":
                    el_id = value
                elif name == "style":
                    style = value
                elif name == "hidden":
                    hidden = True
                    break
                elif name == "role":
                    role = value
                elif name == "itemprop":
                    itemprop = value
            if hidden or (style and _HIDDEN_STYLE.search(style)):
                continue
            if el_id or role or itemprop:
                joined = " ".join(v for v in (cls, el_id, role, itemprop) if v)
                bits = _FLAG_CACHE.get(joined)
                if bits is None:
                    bits = _attr_flags(joined)
            elif cls:
                bits = _FLAG_CACHE.get(cls)
                if bits is None:
                    bits = _attr_flags(cls)
        if info[1]:  # <br>
            if texts:
                flush()
            elif lead_ws:
                lead_ws = piece_bits = 0
            continue
        eid = len(parents)
        parents.append(eids[-1] if eids else -1)
        if info[2]:
            if texts:
                flush()
            elif lead_ws:
                lead_ws = piece_bits = 0
            block_stack.append((info[0], eid))
            if info[4]:
                pre_depth += 1
        if info[3]:
            link_depth += 1
        if bits:
            cum |= bits
            groups = _BIT_GROUPS.get(bits)
            if groups is None:
                groups = _BIT_GROUPS[bits] = tuple(g for g in range(_N_GROUPS) if bits >> g & 1)
            pos = len(eids)
            new_positions = list(positions)
            for g in groups:
                new_positions[g] = pos
            positions = tuple(new_positions)
        tag_bits |= info[6]
        eids.append(eid)
        opened.append((bits, cum, tag_bits, positions))
        push(info)
        for child in reversed(item):
            tail = child.tail
            if tail:
                push(tail)
            push(child)
        text = item.text
        if text:
            push(text)  # on top: read next, as a text piece, before the children
    if texts:
        flush()
    if lines:
        lines[-1].blank_after = True  # as in text mode, the end of the page counts as blank
    return lines, parents


def visible_lines(root: lxml.html.HtmlElement) -> list[str]:
    """All visible text of <body>, one line per block element."""
    return [line.text for line in _walk(root)[0]]


_BLOCK_KIND = {
    "p": "paragraph", "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading",
    "h6": "heading", "li": "list_item", "dd": "list_item", "dt": "list_item", "td": "table", "th": "table",
    "tr": "table", "caption": "table", "blockquote": "quote",
}
_BLK = {"p": 0, "div": 1, "li": 2, "dd": 2, "dt": 2, "td": 3, "th": 3, "h1": 4, "h2": 4, "h3": 4, "h4": 4,
        "h5": 4, "h6": 4}


def _dom_features(lines: list[_Line], parents: list[int]) -> list[list[float]]:
    """Per line, the numbers named by DOM_FEATURES.

    Besides the line's own tags and class names, each line gets evidence about its container, computed the
    way Readability finds an article: prose paragraphs vote for their parent (and half for the grandparent),
    the votes are discounted by the container's link density, and the best-voted element is the likely
    article root. A line inside it, or inside a container full of <p> prose, is likely body.
    """
    n_el = len(parents)
    chars = [0] * n_el
    links = [0] * n_el
    pchars = [0] * n_el
    plines = [0] * n_el
    score = [0.0] * n_el
    total = 0
    for line in lines:
        text = line.text
        n = len(text)
        total += n
        is_p = line.block == "p"
        anc = line.ctx[0]
        if anc:  # counted at the innermost open element here, summed up the tree below
            eid = anc[-1]
            chars[eid] += n
            links[eid] += line.link_chars
            if is_p:
                pchars[eid] += n
        if line.block_id >= 0:
            parent = parents[line.block_id]
            if parent >= 0 and is_p:
                plines[parent] += 1
            if n >= 25 and line.link_chars < 0.5 * n:
                vote = 1.0 + text.count(",") + text.count("、") + min(n // 100, 3)
                if parent >= 0:
                    score[parent] += vote
                    grand = parents[parent]
                    if grand >= 0:
                        score[grand] += vote / 2
    # a line's anc is its innermost open element and that element's ancestors, and ids grow from parent to
    # child: adding each element's (integer) totals to its parent's, last id first, gives every element the
    # totals of all lines inside it
    for eid in range(n_el - 1, 0, -1):
        if chars[eid]:
            parent = parents[eid]
            if parent >= 0:
                chars[parent] += chars[eid]
                links[parent] += links[eid]
                pchars[parent] += pchars[eid]
    adjusted = [score[i] * (1.0 - links[i] / chars[i]) if chars[i] else 0.0 for i in range(n_el)]
    top = adjusted.index(max(adjusted)) if n_el else -1  # the first of the best
    top_score = adjusted[top] if top >= 0 and adjusted[top] > 0 else 1.0
    total = max(total, 1)
    # lines share their open elements (anc) and their block: those parts of the row are computed once
    by_anc: dict[int, tuple[float, float, float]] = {}
    by_block: dict[int, tuple[float, float, float, float, float]] = {}
    log1p: dict[float, float] = {}
    out: list[list[float]] = []
    for line in lines:
        n = max(len(line.text), 1)
        link_chars = line.link_chars
        anc, depth, near_tags = line.ctx
        anc_part = by_anc.get(id(anc))  # the anc tuples outlive this loop: ids are not reused
        if anc_part is None:
            best = max(map(adjusted.__getitem__, anc)) if anc else 0.0
            log_best = log1p.get(best) if best > 0 else None
            if log_best is None:
                log_best = float(np.log1p(best))
                if best > 0:
                    log1p[best] = log_best
            anc_part = by_anc[id(anc)] = (float(top in anc), best / top_score, log_best)
        block_id = line.block_id
        block_part = by_block.get(block_id)
        if block_part is None:
            parent = parents[block_id] if block_id >= 0 else -1
            container = parent if parent >= 0 else block_id
            c_chars = chars[container] if container >= 0 else total
            block_part = by_block[block_id] = (
                (chars[parent] if parent >= 0 else total) / total,
                c_chars / total,
                (pchars[container] / c_chars) if container >= 0 and c_chars else 0.0,
                (links[container] / c_chars) if container >= 0 and c_chars else 0.0,
                float(np.log1p(plines[container])) if container >= 0 else 0.0,
            )
        blk = _BLK_FLOATS.get(line.block)
        if blk is None:
            blk = [0.0] * 6
            blk[_BLK.get(line.block, 5)] = 1.0
            blk = _BLK_FLOATS[line.block] = tuple(blk)
        out.append([link_chars / n, float(link_chars >= n - 1), depth, float(line.n_pieces),
                    *_bit_floats(line.flags, _FLAG_FLOATS, _N_GROUPS), *near_tags, *blk, *anc_part, *block_part])
    return out


_BLK_FLOATS: dict[str, tuple[float, ...]] = {}
_PATHS: dict[tuple[str, int], str] = {}


def _path(line: _Line) -> str:
    """A short human-readable summary of where the line sits (for reasons and debugging)."""
    key = (line.block, line.flags)
    path = _PATHS.get(key)
    if path is None:
        names = [name for g, name in enumerate(_GROUPS) if line.flags >> g & 1]
        path = line.block + (" [" + ",".join(names) + "]" if names else "")
        if len(_PATHS) > 20000:
            _PATHS.clear()
        _PATHS[key] = path
    return path


def page_blocks(root: lxml.html.HtmlElement) -> list[Block]:
    """Every visible line of the page as a Block carrying its DOM evidence (features["dom"])."""
    lines, parents = _walk(root)
    dom = _dom_features(lines, parents)
    blocks: list[Block] = []
    for line, row in zip(lines, dom, strict=True):
        n = max(len(line.text), 1)
        kind = _BLOCK_KIND.get(line.block) or ("paragraph" if word_count(line.text) >= PARAGRAPH_WORDS else "line")
        blocks.append(Block(line.text, kind, {  # type: ignore[arg-type]
            "html": True,
            "tag": line.block,
            "path": _path(line),
            "link_density": round(line.link_chars / n, 3),
            "blank_before": line.blank_before,
            "blank_after": line.blank_after,
            "group": parents[line.block_id] if line.block_id >= 0 else -1,
            "dom": [*row, NO_VOTE],  # extractor_main: set by html_to_blocks, which has the page's source
        }))
    return blocks


_TITLE_META = ("og:title", "twitter:title", "headline", "title", "dc.title", "parsely-title", "sailthru.title")
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "article.published",
              "pubdate", "publishdate", "publish-date", "published_time", "parsely-pub-date", "sailthru.date",
              "dc.date.issued", "dc.date", "dcterms.created", "date", "article:published", "og:pubdate",
              "dateCreated".lower(), "article:modified_time", "datemodified", "og:updated_time")
_ISO = re.compile(r"((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?")
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


def _iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD from an ISO-like timestamp, or None (other formats are left to htmldate)."""
    if not value:
        return None
    m = _ISO.search(value)
    if not m or not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        return None
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"


def _confirmed(title: str, headings: list[str], is_site: SiteName) -> str | None:
    """The title, or one part of it, that an <h1> of the page also says: the article's own headline, as
    opposed to the site's name or a section's label. First an equal one; else the whole title may be cut off
    in the <h1> (or the <h1> in the title). A part is never the site's name (many sites put it in an <h1>)."""
    whole = _norm(title)
    if whole in headings:
        return title
    parts = [p for p in TITLE_SPLIT.split(title) if p]
    for part in parts if len(parts) > 1 else []:
        key = _norm(part)
        if key and key in headings and (" " in key or len(key) >= 8) and not is_site(part):
            return _clean(part)
    for heading in headings:
        if (len(heading) >= 20 and whole.startswith(heading)) or (len(whole) >= 20 and heading.startswith(whole)):
            return title
    return None


def _page_title(root: lxml.html.HtmlElement, metas: dict[str, str], site: str | None,
                url: str | None) -> str | None:
    """The article's headline among what the page declares: the meta titles (og:title first), then <title>,
    then the first <h1>. A declared title that an <h1> confirms wins (a page's og:title can be the site's
    own, "Yahoo News - Latest News & Headlines", while <title> and <h1> name the article); otherwise the
    first meta title, or the longest part of <title> that is not the site's name. The parts naming the site
    are dropped ("... - IGN")."""
    is_site = SiteName(site, url)
    meta_titles = [_clean(metas[k]) for k in _TITLE_META if metas.get(k)]
    el = root.find(".//title")
    page_title = _clean(el.text_content()) if el is not None else ""
    headings = [h for h in (_norm(h1.text_content()) for h1 in islice(root.iter("h1"), 8)) if h]
    for title in [*meta_titles, page_title] if page_title else meta_titles:
        confirmed = _confirmed(title, headings, is_site)
        if confirmed:
            return without_site(confirmed, is_site)
    if meta_titles:
        return without_site(meta_titles[0], is_site)
    parts = [p for p in TITLE_SPLIT.split(page_title) if p and not is_site(p)]
    if parts:
        return max(parts, key=len)
    h1 = root.find(".//h1")
    return (_clean(h1.text_content()) or None) if h1 is not None else None


def _metadata(root: lxml.html.HtmlElement, url: str | None) -> dict:
    """Title, date, sitename, url and language from what the page declares (meta tags, JSON-LD, <time>,
    <title>, <h1>); htmldate only when no date is declared. Cheap: the page is already parsed."""
    metas: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in metas:
            metas[key] = content.strip()
    site = metas.get("og:site_name") or metas.get("application-name") or None
    title = _page_title(root, metas, site, url or metas.get("og:url"))
    date = next((d for d in (_iso_date(metas.get(k)) for k in _DATE_META) if d), None)
    if not date:
        for el in root.iter("time"):
            date = _iso_date(el.get("datetime"))
            if date:
                break
    if not date:
        for el in root.iter("script"):
            if (el.get("type") or "").lower() == "application/ld+json" and el.text:
                m = _JSONLD_DATE.search(el.text)
                date = _iso_date(m.group(1)) if m else None
                if date:
                    break
    if not date:
        try:
            date = find_date(root, url=url, extensive_search=False, original_date=True)
        except (ValueError, TypeError):
            date = None
    canonical = None
    for el in root.iter("link"):
        if (el.get("rel") or "").lower() == "canonical" and (el.get("href") or "").startswith("http"):
            canonical = el.get("href")
            break
    lang = (root.get("lang") or root.get("xml:lang") or metas.get("og:locale") or "").strip().lower()
    language = None
    if re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*", lang):
        language = lang.split("-")[0].split("_")[0]
    return {"title": title or None, "date": date, "sitename": site, "url": url or metas.get("og:url") or canonical,
            "language": language}


def html_to_blocks(html: str, url: str | None = None) -> tuple[list[Block], dict]:
    """Every visible line of the page as a Block with DOM evidence, and the page's metadata.

    Nothing is removed here: the block classifier (cleaner.classifier) decides, with a reason, what is
    boilerplate, so every removal is explained.
    """
    root = parse_html(html)
    blocks = page_blocks(root)
    meta = _metadata(root, url)
    # last: trafilatura prunes the tree it is given
    kept = kept_text(root) if len(html) <= VOTE_MAX_CHARS else None
    if kept is not None:
        main = MainText([x for x in (_clean_piece(x).lstrip(BULLETS) for x in kept.split("\n")) if x])
        for block, vote in zip(blocks, votes([b.text for b in blocks], main), strict=True):
            block.features["dom"][-1] = vote
    return blocks, meta


#: pages longer than this get no second opinion (trafilatura's time grows with the page; the DOM evidence stays)
VOTE_MAX_CHARS = 3_000_000
#: extractor_main where trafilatura gave no vote (kept: 1.0, dropped: 0.0)
NO_VOTE = 0.5
