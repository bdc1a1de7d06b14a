"""HTML → the page's blocks with DOM evidence, and the page's metadata.

Every visible line of the page becomes a Block (the same lines as the dev set's naive text mode, so one
set of gold line labels trains both modes); each carries the DOM evidence a person would use to tell
article from chrome: link density, tags around it, class/id names (nav, footer, related, comment, share,
...), and a Readability-style score of its container. Nothing is dropped here: the block classifier
decides, and says why, so every removal is explained. Metadata comes from what the page
declares (meta tags, JSON-LD, <time>, <title>), htmldate when no date is declared.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
import numpy as np
from htmldate import find_date
from lxml import etree

from cleaner.document import Block

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


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse with libxml2; an XML declaration would make lxml refuse a str, so it is removed first."""
    html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        html = "<html><body></body></html>"
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body>" + html + "</body></html>")


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
       "container_p_share", "container_link_density", "siblings_p")
)


_FLAG_CACHE: dict[str, int] = {}


def _attr_flags(attrib: Any) -> int:
    """Bit set of the class/id/role/itemprop groups an element's attributes name (memoised: sites repeat)."""
    if not attrib:
        return 0
    attrs = " ".join(v for v in (attrib.get("class"), attrib.get("id"), attrib.get("role"), attrib.get("itemprop"))
                     if v)
    if not attrs:
        return 0
    bits = _FLAG_CACHE.get(attrs)
    if bits is None:
        low = attrs.lower()
        bits = 0
        for i, pattern in enumerate(_ATTR_GROUPS.values()):
            if pattern.search(low):
                bits |= 1 << i
        if len(_FLAG_CACHE) > 50000:
            _FLAG_CACHE.clear()
        _FLAG_CACHE[attrs] = bits
    return bits


class _Line:
    __slots__ = ("text", "block", "block_id", "anc", "link_chars", "n_pieces", "flags", "near", "tags", "blank_before",
                 "blank_after")

    def __init__(self) -> None:
        self.text = ""
        self.block = "body"
        self.block_id = -1
        self.anc: tuple[int, ...] = ()
        self.link_chars = 0
        self.n_pieces = 0
        self.flags = 0
        self.near: list[int] = []
        self.tags: set[str] = set()
        self.blank_before = False
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
    pieces: list[tuple[str, bool, int]] = []  # text, inside a link, class/id bits of all its ancestors
    # open elements: (tag, element id, own class/id bits, bits of it and all its ancestors)
    opened: list[tuple[str, int, int, int]] = []
    block_stack: list[tuple[str, int]] = [("body", -1)]
    link_depth = 0
    pre_depth = 0
    pending_blank = False

    def flush() -> None:
        nonlocal pending_blank
        if not pieces:
            return
        raw = "".join(p[0] for p in pieces)
        if raw.isspace():
            pieces.clear()
            return
        texts = raw.split("\n") if pre_depth else [raw]
        link_chars = sum(len(_clean(p[0])) for p in pieces if p[1])
        flags = 0
        for p in pieces:
            flags |= p[2]
        tags = {t for t, _, _, _ in opened}
        near = [99] * len(_GROUPS)
        for depth_from_top, (_, _, bits, _) in enumerate(reversed(opened)):
            if bits:
                for g in range(len(_GROUPS)):
                    if bits >> g & 1 and near[g] == 99:
                        near[g] = depth_from_top
        anc = tuple(eid for _, eid, _, _ in opened)
        n_pieces = len(pieces)
        pieces.clear()
        for piece in texts:
            text = _clean(piece)
            if not text:
                continue
            line = _Line()
            line.text = text
            line.block, line.block_id = block_stack[-1]
            line.anc = anc
            line.link_chars = min(link_chars, len(text))
            line.n_pieces = n_pieces
            line.flags = flags
            line.near = near
            line.tags = tags
            line.blank_before = pending_blank or not lines
            if lines and line.blank_before:
                lines[-1].blank_after = True
            pending_blank = False
            lines.append(line)

    stack: list[tuple[int, Any]] = [(0, body)]
    while stack:
        kind, item = stack.pop()
        if kind == 2:  # text
            pieces.append((item, link_depth > 0, opened[-1][3] if opened else 0))
            continue
        if kind == 1:  # close
            tag = item
            opened.pop()
            if tag == "a":
                link_depth -= 1
            if tag in BLOCK_TAGS:
                flush()
                block_stack.pop()
                if tag == "pre":
                    pre_depth -= 1
                if tag in _PARAGRAPH_TAGS:
                    pending_blank = True
            continue
        el = item
        tag = el.tag
        if not isinstance(tag, str):
            continue
        tag = tag.lower()
        if tag in SKIP_TAGS:
            continue
        attrib = el.attrib
        if attrib:
            if "hidden" in attrib:
                continue
            style = attrib.get("style")
            if style and _HIDDEN_STYLE.search(style):
                continue
        if tag == "br":
            flush()
            continue
        eid = len(parents)
        parents.append(opened[-1][1] if opened else -1)
        bits = _attr_flags(attrib)
        if tag in BLOCK_TAGS:
            flush()
            block_stack.append((tag, eid))
            if tag == "pre":
                pre_depth += 1
        if tag == "a":
            link_depth += 1
        cum = bits | (opened[-1][3] if opened else 0)
        opened.append((tag, eid, bits, cum))
        if el.text:
            pieces.append((el.text, link_depth > 0, cum))
        stack.append((1, tag))
        for child in reversed(el):
            if child.tail:
                stack.append((2, child.tail))
            stack.append((0, child))
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
        n = len(line.text)
        total += n
        is_p = line.block == "p"
        for eid in line.anc:
            chars[eid] += n
            links[eid] += line.link_chars
            if is_p:
                pchars[eid] += n
        if line.block_id >= 0:
            parent = parents[line.block_id]
            if parent >= 0 and is_p:
                plines[parent] += 1
            if n >= 25 and line.link_chars < 0.5 * n:
                vote = 1.0 + line.text.count(",") + line.text.count("、") + min(n // 100, 3)
                if parent >= 0:
                    score[parent] += vote
                    grand = parents[parent]
                    if grand >= 0:
                        score[grand] += vote / 2
    adjusted = [score[i] * (1.0 - links[i] / chars[i]) if chars[i] else 0.0 for i in range(n_el)]
    top = max(range(n_el), key=adjusted.__getitem__) if n_el else -1
    top_score = adjusted[top] if top >= 0 and adjusted[top] > 0 else 1.0
    total = max(total, 1)
    n_groups = len(_GROUPS)
    out: list[list[float]] = []
    for line in lines:
        n = max(len(line.text), 1)
        row: list[float] = [line.link_chars / n, float(line.link_chars >= n - 1), float(len(line.anc)),
                            float(line.n_pieces)]
        row.extend(float(line.flags >> g & 1) for g in range(n_groups))
        row.extend(float(d) for d in line.near)
        row.extend(float(not line.tags.isdisjoint(tags)) for tags in _TAG_GROUPS.values())
        blk = [0.0] * 6
        blk[_BLK.get(line.block, 5)] = 1.0
        row.extend(blk)
        best = max((adjusted[e] for e in line.anc), default=0.0)
        parent = parents[line.block_id] if line.block_id >= 0 else -1
        container = parent if parent >= 0 else line.block_id
        c_chars = chars[container] if container >= 0 else total
        row.extend([
            float(top in line.anc),
            best / top_score,
            float(np.log1p(best)),
            (chars[parent] if parent >= 0 else total) / total,
            c_chars / total,
            (pchars[container] / c_chars) if container >= 0 and c_chars else 0.0,
            (links[container] / c_chars) if container >= 0 and c_chars else 0.0,
            float(np.log1p(plines[container])) if container >= 0 else 0.0,
        ])
        out.append(row)
    return out


def _path(line: _Line) -> str:
    """A short human-readable summary of where the line sits (for reasons and debugging)."""
    names = [name for g, name in enumerate(_GROUPS) if line.flags >> g & 1]
    return line.block + (" [" + ",".join(names) + "]" if names else "")


def page_blocks(root: lxml.html.HtmlElement) -> list[Block]:
    """Every visible line of the page as a Block carrying its DOM evidence (features["dom"])."""
    lines, parents = _walk(root)
    dom = _dom_features(lines, parents)
    blocks: list[Block] = []
    for line, row in zip(lines, dom, strict=True):
        n = max(len(line.text), 1)
        blocks.append(Block(line.text, _BLOCK_KIND.get(line.block, "line"), {  # type: ignore[arg-type]
            "html": True,
            "tag": line.block,
            "path": _path(line),
            "link_density": round(line.link_chars / n, 3),
            "blank_before": line.blank_before,
            "blank_after": line.blank_after,
            "group": parents[line.block_id] if line.block_id >= 0 else -1,
            "dom": row,
        }))
    return blocks


_TITLE_META = ("og:title", "twitter:title", "headline", "title", "dc.title", "parsely-title", "sailthru.title")
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "article.published",
              "pubdate", "publishdate", "publish-date", "published_time", "parsely-pub-date", "sailthru.date",
              "dc.date.issued", "dc.date", "dcterms.created", "date", "article:published", "og:pubdate",
              "dateCreated".lower(), "article:modified_time", "datemodified", "og:updated_time")
_ISO = re.compile(r"((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?")
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
_TITLE_SPLIT = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")


def _iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD from an ISO-like timestamp, or None (other formats are left to htmldate)."""
    if not value:
        return None
    m = _ISO.search(value)
    if not m or not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        return None
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"


def _metadata(root: lxml.html.HtmlElement, url: str | None) -> dict:
    """Title, date, sitename, url and language from what the page declares (meta tags, JSON-LD, <time>,
    <title>, <h1>); htmldate only when no date is declared. Cheap: the page is already parsed."""
    metas: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in metas:
            metas[key] = content.strip()
    title = next((metas[k] for k in _TITLE_META if metas.get(k)), None)
    site = metas.get("og:site_name") or metas.get("application-name") or None
    if not title:
        el = root.find(".//title")
        raw = _clean(el.text_content()) if el is not None else ""
        parts = [p for p in _TITLE_SPLIT.split(raw) if p and p != site]
        title = max(parts, key=len) if parts else None
    if not title:
        h1 = root.find(".//h1")
        title = _clean(h1.text_content()) if h1 is not None else None
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
    return blocks, _metadata(root, url)
