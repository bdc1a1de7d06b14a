"""A self-contained HTML report of a sources summary: sortable table, SVG plots, copy graph, drill-downs.

One file with no network at all (inline CSS, JS and SVG drawn here; a Content-Security-Policy forbids any
fetch), so it can be mailed, archived or opened offline. Everything that comes from the documents is
hostile web content: it is HTML-escaped on the way in and never placed inside a script.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from .sources import pct

PLOT_SOURCES = 25  # sources drawn in the bar plots (most documents first); the table has all
GRAPH_NODES = 24  # sources drawn in the copy graph (most copying involved first)
EDGE_TABLE_ROWS = 40

COLORS = {
    "boilerplate": "#4c78a8",
    "machine_translated": "#e45756",
    "incoherent": "#f58518",
    "not_article": "#54a24b",
    "median": "#555",
}
FLAG_SERIES = (("machine_translated", "machine-translated"), ("incoherent", "incoherent"),
               ("not_article", "not an article"))


def e(value: Any) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _signed_pt(delta: float | None) -> str:
    if delta is None:
        return "—"
    p = delta * 100
    return f"{'+' if p > 0 else '−' if p < 0 else '±'}{abs(p):.0f} pt"


def _worse(src: dict[str, Any], metric: str) -> bool:
    return metric in src["reliability"]["concerns"]


# ---------------------------------------------------------------- table


_COLUMNS: list[tuple[str, str, str]] = [  # (key, header, type)
    ("source", "Source", "text"),
    ("documents", "Docs", "num"),
    ("concerns", "Concerns", "num"),
    ("boilerplate", "Boilerplate", "num"),
    ("bp_change", "Δ boilerplate since last batch", "num"),
    ("machine_translated", "Machine-translated", "num"),
    ("incoherent", "Incoherent", "num"),
    ("not_article", "Not an article", "num"),
    ("duplicates", "Near-duplicates", "num"),
    ("origin_clusters", "Origin of clusters", "num"),
    ("copied_by_others", "Copied by others", "num"),
    ("copies_of_others", "Copies of others", "num"),
    ("reading_ease", "Reading ease (median)", "num"),
    ("languages", "Languages", "text"),
]


def _cell(value: float | int | str | None, shown: str, cls: str = "", title: str = "") -> str:
    v = "" if value is None else str(value)
    attrs = f' data-v="{e(v)}"'
    if cls:
        attrs += f' class="{cls}"'
    if title:
        attrs += f' title="{e(title)}"'
    return f"<td{attrs}>{e(shown)}</td>"


def _row(i: int, src: dict[str, Any]) -> str:
    history = src.get("history") or {}
    change = (history.get("change") or {}).get("boilerplate")
    langs = src["languages"]["top"][:3]
    lang_text = " · ".join(f"{x['language']} {pct(x['share'])}" for x in langs) or "—"
    copies = src["copies"]
    cells = [
        f'<td data-v="{e(src["source"])}" class="src"><a class="open-detail" href="#src-{i}">{e(src["source"])}</a></td>',
        _cell(src["documents"], str(src["documents"])),
        _cell(len(src["reliability"]["concerns"]), str(len(src["reliability"]["concerns"])) or "0",
              "bad" if src["reliability"]["concerns"] else "",
              ", ".join(src["reliability"]["concerns"])),
    ]
    bp = src["boilerplate"]["mean"]
    cells.append(_cell(bp, pct(bp), "bad" if _worse(src, "boilerplate") else ""))
    cells.append(_cell(change, _signed_pt(change), "bad" if change is not None and change >= 0.05 else ""))
    for metric in ("machine_translated", "incoherent"):
        f = src["flags"][metric]
        shown = pct(f["rate"]) if f["rate"] is None else f"{pct(f['rate'])} of {f['computed']}"
        cells.append(_cell(f["rate"], shown, "bad" if _worse(src, metric) else ""))
    for metric in ("not_article", "duplicates"):
        share = src[metric]["share"]
        cells.append(_cell(share, pct(share), "bad" if _worse(src, metric) else ""))
    cells.append(_cell(copies["origin_clusters"], str(copies["origin_clusters"])))
    cells.append(_cell(copies["copied_by_others"], str(copies["copied_by_others"])))
    cells.append(_cell(copies["copies_of_others"], str(copies["copies_of_others"]),
                       "bad" if _worse(src, "copies_of_others") else ""))
    fre = src["readability"]["flesch_reading_ease_median"]
    cells.append(_cell(fre, _num(fre, 0)))
    cells.append(_cell(lang_text if langs else None, lang_text))
    return f'<tr data-i="{i}" data-source="{e(src["source"])}">' + "".join(cells) + "</tr>"


def _table(sources: list[dict[str, Any]]) -> str:
    head = "".join(
        f'<th scope="col" data-type="{typ}" data-key="{key}"><button type="button">{e(label)}'
        f'<span class="arrow" aria-hidden="true"></span></button></th>'
        for key, label, typ in _COLUMNS
    )
    rows = "\n".join(_row(i, s) for i, s in enumerate(sources))
    return (f'<table id="sources-table" class="sortable"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{rows}\n</tbody></table>")


# ---------------------------------------------------------------- plots


def _svg_text(x: float, y: float, text: str, anchor: str = "start", cls: str = "", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{e(text)}</text>'


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def boilerplate_plot(summary: dict[str, Any]) -> str:
    """Mean boilerplate share per source as bars, the interquartile range as a whisker, the batch median dashed."""
    sources = [s for s in summary["sources"][:PLOT_SOURCES] if s["boilerplate"]["mean"] is not None]
    if not sources:
        return '<p class="empty">No source has text to measure boilerplate on.</p>'
    sources.sort(key=lambda s: -s["boilerplate"]["mean"])
    label_w, bar_w, row_h, top = 190, 380, 22, 34
    width, height = label_w + bar_w + 60, top + row_h * len(sources) + 30
    parts = [f'<svg class="plot" id="plot-boilerplate" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" aria-label="Boilerplate share per source">']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + tick * bar_w
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" class="grid"/>')
        parts.append(_svg_text(x, height - 10, pct(tick), "middle", "tick"))
    for i, s in enumerate(sources):
        y = top + i * row_h
        bp = s["boilerplate"]
        parts.append(_svg_text(label_w - 8, y + 15, _short(s["source"]), "end", "label"))
        w = bp["mean"] * bar_w
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 0.5):.1f}" height="{row_h - 8}" '
                     f'fill="{COLORS["boilerplate"]}"><title>{e(s["source"])}: mean {pct(bp["mean"])}, '
                     f'{bp["documents"]} documents</title></rect>')
        label_x = label_w + w + 6
        if bp["quartiles"]:
            q1, q2, q3 = bp["quartiles"]
            label_x = label_w + max(w, q3 * bar_w) + 6
            ym = y + row_h / 2
            parts.append(f'<line x1="{label_w + q1 * bar_w:.1f}" y1="{ym:.1f}" x2="{label_w + q3 * bar_w:.1f}" '
                         f'y2="{ym:.1f}" class="iqr"/>')
            parts.append(f'<circle cx="{label_w + q2 * bar_w:.1f}" cy="{ym:.1f}" r="3" class="med"/>')
        parts.append(_svg_text(label_x, y + 15, pct(bp["mean"]), "start", "value"))
    median = summary["batch"]["medians"]["boilerplate"]
    if median is not None:
        x = label_w + median * bar_w
        parts.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 24}" class="median-line"/>')
        parts.append(_svg_text(x, top - 12, f"batch median {pct(median)}", "middle", "median-label"))
    parts.append("</svg>")
    legend = ('<p class="legend"><span class="sw" style="background:#4c78a8"></span>mean share of a page\'s '
              'characters removed as boilerplate <span class="sw line"></span>middle half of pages (dot: median) '
              '<span class="sw dash"></span>batch median over sources</p>')
    return "".join(parts) + legend


def flags_plot(summary: dict[str, Any]) -> str:
    """Per source, the three problem rates side by side; 'n/a' where a flag was never computed."""
    def rate(s: dict[str, Any], metric: str) -> float | None:
        return s["not_article"]["share"] if metric == "not_article" else s["flags"][metric]["rate"]

    sources = sorted(summary["sources"][:PLOT_SOURCES],
                     key=lambda s: -sum(rate(s, m) or 0.0 for m, _ in FLAG_SERIES))
    if not sources:
        return '<p class="empty">No sources.</p>'
    label_w, bar_w, bar_h, gap, top = 190, 360, 7, 8, 20 + 16 * len(FLAG_SERIES)
    group_h = bar_h * len(FLAG_SERIES) + gap
    width, height = label_w + bar_w + 70, top + group_h * len(sources) + 26
    parts = [f'<svg class="plot" id="plot-flags" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" aria-label="Flag rates per source">']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + tick * bar_w
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 22}" class="grid"/>')
        parts.append(_svg_text(x, height - 8, pct(tick), "middle", "tick"))
    medians = summary["batch"]["medians"]
    for k, (metric, label) in enumerate(FLAG_SERIES):
        y0 = 4 + 16 * k
        parts.append(f'<rect x="{label_w}" y="{y0}" width="10" height="10" fill="{COLORS[metric]}"/>')
        parts.append(_svg_text(label_w + 14, y0 + 9, f"{label} (batch median {pct(medians[metric])})", "start",
                               "tick"))
    for i, s in enumerate(sources):
        y = top + i * group_h
        parts.append(_svg_text(label_w - 8, y + group_h / 2 + 2, _short(s["source"]), "end", "label"))
        for k, (metric, label) in enumerate(FLAG_SERIES):
            value = rate(s, metric)
            yy = y + k * bar_h
            if value is None:
                parts.append(_svg_text(label_w + 4, yy + bar_h - 0.5, f"{label}: n/a", "start", "na"))
                continue
            w = value * bar_w
            parts.append(f'<rect x="{label_w}" y="{yy:.1f}" width="{max(w, 0.5):.1f}" height="{bar_h - 1}" '
                         f'fill="{COLORS[metric]}"><title>{e(s["source"])}: {e(label)} {pct(value)}</title></rect>')
            if value > 0:
                parts.append(_svg_text(label_w + w + 4, yy + bar_h - 0.5, pct(value), "start", "value small"))
    parts.append("</svg>")
    return "".join(parts)


def copy_graph(summary: dict[str, Any]) -> str:
    """Sites on a circle, an arrow from the origin site to each site that copied it, labelled with the count."""
    edges = summary["copy_graph"]["edges"]
    if not edges:
        return '<p class="empty">No story in this batch was copied from one site to another.</p>'
    weight: dict[str, int] = {}
    for edge in edges:
        for end in (edge["from"], edge["to"]):
            weight[end] = weight.get(end, 0) + edge["count"]
    names = sorted(weight, key=lambda n: (-weight[n], n))[:GRAPH_NODES]
    shown = set(names)
    kept = [x for x in edges if x["from"] in shown and x["to"] in shown]
    docs = {s["source"]: s["documents"] for s in summary["sources"]}
    max_docs = max(docs.get(n, 1) for n in names) or 1
    n = len(names)
    radius = 170 if n > 2 else 110
    width, height = 2 * radius + 340, 2 * radius + 90  # room for labels left/right, less above/below
    cx, cy = width / 2, height / 2
    pos: dict[str, tuple[float, float, float, float]] = {}  # name → x, y, node radius, angle
    for i, name in enumerate(names):
        angle = 2 * math.pi * i / n - math.pi / 2
        r = 7 + 13 * math.sqrt(docs.get(name, 1) / max_docs)
        pos[name] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle), r, angle)
    max_count = max(x["count"] for x in kept) if kept else 1
    parts = [f'<svg class="plot" id="copy-graph" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" aria-label="Which sites copy which">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" '
             'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>']
    labels = []
    for edge in kept:
        x1, y1, r1, _ = pos[edge["from"]]
        x2, y2, r2, _ = pos[edge["to"]]
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        # bend every edge to its left, so A→B and B→A stay apart
        mx, my = (x1 + x2) / 2 - uy * dist * 0.12, (y1 + y2) / 2 + ux * dist * 0.12
        sx, sy = x1 + ux * r1, y1 + uy * r1
        ex, ey = x2 - ux * (r2 + 2), y2 - uy * (r2 + 2)
        stroke = 1 + 3 * math.log1p(edge["count"]) / math.log1p(max_count)
        title = f"{edge['from']} → {edge['to']}: {edge['count']} cop{'ies' if edge['count'] != 1 else 'y'}"
        parts.append(f'<path class="edge" d="M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" '
                     f'stroke-width="{stroke:.2f}" marker-end="url(#arrow)"><title>{e(title)}</title></path>')
        lx, ly = 0.25 * sx + 0.5 * mx + 0.25 * ex, 0.25 * sy + 0.5 * my + 0.25 * ey
        labels.append(_svg_text(lx, ly + 4, str(edge["count"]), "middle", "edge-label"))
    parts.extend(labels)
    for name in names:
        x, y, r, angle = pos[name]
        parts.append(f'<circle class="node" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"><title>{e(name)}: '
                     f'{docs.get(name, 0)} documents</title></circle>')
        lx, ly = x + (r + 6) * math.cos(angle), y + (r + 6) * math.sin(angle) + 4
        anchor = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        if abs(math.cos(angle)) < 0.3:
            ly += 8 if math.sin(angle) > 0 else -4
        parts.append(_svg_text(lx, ly, _short(name, 22), anchor, "node-label"))
    parts.append("</svg>")
    hidden = len(weight) - n
    note = f'<p class="note">{hidden} more sites with fewer copies are in the table below.</p>' if hidden > 0 else ""
    rows = "".join(f"<tr><td>{e(x['from'])}</td><td>→</td><td>{e(x['to'])}</td><td class=num>{x['count']}</td></tr>"
                   for x in edges[:EDGE_TABLE_ROWS])
    more = f'<p class="note">and {len(edges) - EDGE_TABLE_ROWS} more pairs.</p>' if len(edges) > EDGE_TABLE_ROWS else ""
    table = ('<table class="small" id="edges-table"><thead><tr><th>Origin</th><th></th><th>Copied by</th>'
             f"<th>Copies</th></tr></thead><tbody>{rows}</tbody></table>{more}")
    return f'<div class="graph-wrap"><div>{"".join(parts)}{note}</div><div>{table}</div></div>'


def _histogram(bins: list[int]) -> str:
    """A ten-bar sparkline of per-document boilerplate shares."""
    peak = max(bins) or 1
    w, h, bw = 160, 40, 16
    bars = "".join(
        f'<rect x="{i * bw}" y="{h - 14 - (c / peak) * (h - 16):.1f}" width="{bw - 2}" '
        f'height="{(c / peak) * (h - 16):.1f}" fill="#4c78a8"><title>{i * 10}–{i * 10 + 10}%: {c} documents'
        f"</title></rect>"
        for i, c in enumerate(bins)
    )
    axis = _svg_text(0, h - 2, "0%", "start", "tick") + _svg_text(w, h - 2, "100%", "end", "tick")
    return (f'<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="distribution of boilerplate share">{bars}{axis}</svg>')


# ---------------------------------------------------------------- drill-down


def _doc(d: dict[str, Any]) -> str:
    title = d["title"] or "(no title)"
    meta = [f"id {d['id']}"]
    if d["date"]:
        meta.append(d["date"])
    if d["language"]:
        meta.append(f"language {d['language']}")
    meta.append(f"boilerplate {pct(d['boilerplate_share'])} ({d['chars_removed']} of {d['chars_in']} characters)")
    if d["is_article"] is False:
        meta.append("not an article")
    if d["dedup"] and not d["dedup"]["is_canonical"]:
        meta.append(f"near-duplicate of {d['dedup']['canonical']}")
    out = [f'<article class="doc"><h4>{e(title)}</h4>',
           f'<p class="meta">{" · ".join(e(m) for m in meta)}</p>']
    if d["url"]:
        out.append(f'<p class="url">{e(d["url"])}</p>')
    if d["verdict_reasons"]:
        out.append('<p class="verdict">Verdict: ' + "; ".join(e(r) for r in d["verdict_reasons"]) + "</p>")
    flags = [f for f in d["flags"] if f["flagged"]]
    if flags:
        items = "".join(
            f'<li><b>{e(f["name"])}</b> score {_num(f["score"], 2)} (threshold {_num(f["threshold"], 2)})'
            + ("".join(f"<br><span class=reason>{e(r)}</span>" for r in f["reasons"]) if f["reasons"] else "")
            + "</li>"
            for f in flags
        )
        out.append(f'<ul class="flags">{items}</ul>')
    if d["removed"]:
        rows = "".join(
            f'<tr><td class="rule">{e(r["rule"])}</td><td>{e(r["reason"])}</td><td class="removed-text">'
            f'{e(r["text"])}</td><td class="num">{r["chars"]}</td></tr>'
            for r in d["removed"]
        )
        more = d["removed_total"] - len(d["removed"])
        tail = f'<p class="note">and {more} more removed blocks.</p>' if more > 0 else ""
        out.append('<table class="small removed"><thead><tr><th>Rule</th><th>Reason</th><th>Removed text</th>'
                   f"<th>Chars</th></tr></thead><tbody>{rows}</tbody></table>{tail}")
    else:
        out.append('<p class="note">Nothing was removed.</p>')
    out.append("</article>")
    return "".join(out)


def _kv_table(rows: list[tuple[str, str]]) -> str:
    return '<table class="small kv">' + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows) + "</table>"


def _detail(i: int, s: dict[str, Any]) -> str:
    rel = s["reliability"]
    concerns = set(rel["concerns"])
    lines = "".join(
        f'<li class="{"bad" if item["metric"] in concerns else ""}">{e(item["text"])}</li>' for item in rel["items"]
    ) + "".join(f"<li>{e(line)}</li>" for line in rel["lines"] if line not in {x["text"] for x in rel["items"]})
    bp = s["boilerplate"]
    q = bp["quartiles"]
    bp_rows = [("mean per page", pct(bp["mean"])), ("of all characters", pct(bp["char_share"])),
               ("quartiles", " / ".join(pct(x) for x in q) if q else "—"),
               ("pages measured", str(bp["documents"]))]
    rules = s["rules"]["top"]
    rules_html = (_kv_table([(r["rule"], f"{r['count']} blocks") for r in rules]) if rules
                  else '<p class="note">No rule fired.</p>')
    flag_rows = [(name, f"{f['flagged']} of {f['computed']} ({pct(f['rate'])})" if f["computed"] else "not computed")
                 for name, f in s["flags"].items()]
    flag_rows.append(("not an article", f"{s['not_article']['count']} of {s['not_article']['known']} "
                                        f"({pct(s['not_article']['share'])})"))
    flag_rows.append(("near-duplicates", f"{s['duplicates']['count']} of {s['duplicates']['known']} "
                                         f"({pct(s['duplicates']['share'])})"))
    langs = s["languages"]
    lang_rows = [(x["language"], f"{x['documents']} ({pct(x['share'])})") for x in langs["top"]]
    if langs["unknown"]:
        lang_rows.append(("unknown", str(langs["unknown"])))
    rd = s["readability"]
    lang_rows += [("reading ease (median)", _num(rd["flesch_reading_ease_median"], 1)),
                  ("grade level (median)", _num(rd["flesch_kincaid_grade_median"], 1))]
    c = s["copies"]
    copy_rows = [("origin of clusters", str(c["origin_clusters"])), ("copied by others", str(c["copied_by_others"])),
                 ("copies of others", str(c["copies_of_others"])), ("copies of itself", str(c["self_copies"]))]
    copy_rows += [(f"copied from {k}", str(v)) for k, v in list(c["copied_from"].items())[:5]]
    copy_rows += [(f"copied by {k}", str(v)) for k, v in list(c["copied_by"].items())[:5]]
    blocks = [
        f"<div><h4>Boilerplate</h4>{_histogram(bp['histogram'])}{_kv_table(bp_rows)}</div>",
        f"<div><h4>Rules that fired most</h4>{rules_html}</div>",
        f"<div><h4>Flags</h4>{_kv_table(flag_rows)}</div>",
        f"<div><h4>Language &amp; readability</h4>{_kv_table(lang_rows)}</div>",
        f"<div><h4>Copies</h4>{_kv_table(copy_rows)}</div>",
    ]
    h = s.get("history")
    if h:
        prev = h["previous"]
        hist_rows = [("earlier batches", f"{h['batches']} ({h['documents']} documents)"),
                     ("previous batch", f"#{prev['batch']} at {prev['created_at']} ({prev['documents']} documents)")]
        for metric, label in (("boilerplate", "boilerplate"), ("machine_translated", "machine-translated"),
                              ("incoherent", "incoherent"), ("not_article", "not an article")):
            hist_rows.append((label, f"then {pct(prev[metric])}, all earlier {pct(h[metric])}, "
                                     f"change {_signed_pt(h['change'].get(metric))}"))
        blocks.append(f"<div><h4>History</h4>{_kv_table(hist_rows)}</div>")
    docs = "".join(_doc(d) for d in s["worst"]) or '<p class="note">No documents kept.</p>'
    return (f'<details class="source-detail" id="src-{i}"><summary><span class="name">{e(s["source"])}</span> '
            f'<span class="count">{s["documents"]} documents</span> <span class="headline">{e(rel["headline"])}'
            f'</span></summary><div class="detail-body"><ul class="reliability">{lines}</ul>'
            f'<div class="facts">{"".join(blocks)}</div><h4>Worst documents</h4>{docs}</div></details>')


# ---------------------------------------------------------------- page

_CSS = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bad:#b3261e;--bad-bg:#fdecea;--accent:#2f5d9e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:#f6f7f9}
header{background:#1f2a3c;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:2px 0;color:#c9d2e3}
main{padding:8px 28px 40px;max-width:1500px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 8px}
h4{margin:12px 0 6px;font-size:14px}
.hint,.note,.legend{color:var(--muted);font-size:12.5px;margin:4px 0}
table{border-collapse:collapse}
#sources-table{width:100%;font-variant-numeric:tabular-nums}
#sources-table th{position:sticky;top:0;background:#eef1f6;border-bottom:2px solid var(--line);padding:0;
vertical-align:bottom}
#sources-table th button{all:unset;cursor:pointer;display:block;padding:6px 8px;font-weight:600;font-size:12.5px}
#sources-table th button:focus-visible{outline:2px solid var(--accent)}
#sources-table th[aria-sort=ascending] .arrow::after{content:" ▲"}
#sources-table th[aria-sort=descending] .arrow::after{content:" ▼"}
#sources-table td{padding:5px 8px;border-bottom:1px solid #eceef2;text-align:right;white-space:nowrap}
#sources-table td.src,#sources-table td:last-child{text-align:left}
#sources-table tbody tr:hover{background:#f3f6fb}
td.bad{color:var(--bad);background:var(--bad-bg);font-weight:600}
a{color:var(--accent)}
.plots{display:flex;flex-wrap:wrap;gap:28px}
.plots figure{margin:0;max-width:640px}
figcaption{font-weight:600;margin-bottom:4px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--fg)}
svg .tick{fill:var(--muted);font-size:11px}
svg .value{font-size:11px;fill:var(--muted)}
svg .small{font-size:10px}
svg .na{font-size:9.5px;fill:#999;font-style:italic}
svg .grid{stroke:#e6e8ee}
svg .iqr{stroke:#1b2a3a;stroke-width:1.6}
svg .med{fill:#1b2a3a}
svg .median-line{stroke:#555;stroke-dasharray:4 3;stroke-width:1.4}
svg .median-label{font-size:11px;fill:#555}
svg .edge{fill:none;stroke:#8791a5;opacity:.85}
svg .edge:hover{stroke:var(--accent);opacity:1}
svg .edge-label{font-size:11px;font-weight:700;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .node{fill:#4c78a8;stroke:#fff;stroke-width:2}
svg .node-label{font-size:12px;font-weight:600}
.sw{display:inline-block;width:12px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.sw.line{height:2px;background:#1b2a3a}
.sw.dash{height:0;border-top:2px dashed #555}
.graph-wrap{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table.small{font-size:12.5px}
table.small th,table.small td{padding:3px 8px;border-bottom:1px solid #eceef2;text-align:left;vertical-align:top}
td.num{text-align:right}
details.source-detail{border:1px solid var(--line);border-radius:6px;margin:8px 0;background:#fff}
details.source-detail>summary{cursor:pointer;padding:8px 12px;list-style-position:inside}
details.source-detail[open]>summary{background:#eef1f6;border-bottom:1px solid var(--line)}
summary .name{font-weight:700}
summary .count{color:var(--muted);margin:0 6px}
summary .headline{color:var(--muted);font-size:12.5px}
.detail-body{padding:6px 16px 14px}
ul.reliability{margin:6px 0;padding-left:20px}
ul.reliability li.bad{color:var(--bad);font-weight:600}
.facts{display:flex;flex-wrap:wrap;gap:10px 28px}
.facts table.kv th{font-weight:500;color:var(--muted)}
article.doc{border-left:3px solid var(--line);padding:4px 0 4px 12px;margin:10px 0}
article.doc h4{margin:0 0 2px}
.verdict{font-size:12.5px;margin:2px 0}
.meta,.url{margin:2px 0;color:var(--muted);font-size:12.5px;word-break:break-all}
ul.flags{margin:4px 0;padding-left:20px;color:var(--bad)}
.reason{color:var(--fg)}
table.removed td.rule{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
table.removed td.removed-text{color:#444;max-width:560px;word-break:break-word}
.empty{color:var(--muted);font-style:italic}
.bad-text{color:var(--bad);font-weight:600}
"""

_JS = """
(function () {
  "use strict";
  var table = document.getElementById("sources-table");
  var tbody = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row, col, type) {
    var v = row.cells[col].getAttribute("data-v");
    if (v === null || v === "") return null;
    return type === "num" ? parseFloat(v) : v.toLowerCase();
  }
  function sortBy(th) {
    var col = headers.indexOf(th), type = th.getAttribute("data-type");
    var current = th.getAttribute("aria-sort");
    // numbers: largest (usually worst) first; text: A to Z; a second click reverses
    var asc = current ? current === "descending" : type !== "num";
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var ka = key(a, col, type), kb = key(b, col, type);
      var ia = +a.getAttribute("data-i"), ib = +b.getAttribute("data-i");
      if (ka === null || kb === null) return ka === kb ? ia - ib : (ka === null ? 1 : -1);
      var c = type === "num" ? ka - kb : ka.localeCompare(kb);
      return (asc ? c : -c) || ia - ib;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  headers.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () { sortBy(th); });
  });
  function openDetail(id) {
    var d = document.getElementById(id);
    if (!d || d.tagName !== "DETAILS") return;
    d.open = true;
    d.scrollIntoView({block: "start"});
  }
  document.querySelectorAll("a.open-detail").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var id = a.getAttribute("href").slice(1);
      history.replaceState(null, "", "#" + id);
      openDetail(id);
    });
  });
  if (location.hash) openDetail(location.hash.slice(1));
  document.getElementById("open-all").addEventListener("click", function () {
    document.querySelectorAll("details.source-detail").forEach(function (d) { d.open = true; });
  });
  document.getElementById("close-all").addEventListener("click", function () {
    document.querySelectorAll("details.source-detail").forEach(function (d) { d.open = false; });
  });
})();
"""

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'")


def render_html(summary: dict[str, Any], generated: datetime | None = None) -> str:
    """The report as one HTML string (see `write_html_report`)."""
    batch = summary["batch"]
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    store = batch.get("store")
    if store:
        n = store["earlier_batches"]
        history = (f"History from {n} earlier batch{'es' if n != 1 else ''} in <span title=\"{e(store['path'])}\">"
                   f"{e(Path(store['path']).name)}</span>; this batch is #{store['id']}.")
    else:
        history = "No store given: no history across batches."
    med = batch["medians"]
    graph = summary["copy_graph"]
    rule = graph["origin_rule"]
    sources = summary["sources"]
    details = "\n".join(_detail(i, s) for i, s in enumerate(sources))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>cleaner — sources report</title>
<style>{_CSS}</style></head>
<body>
<header><h1>Sources report</h1>
<p>{batch["documents"]} documents from {batch["sources"]} sources · generated {e(when)}</p>
<p>{history}</p></header>
<main>
<section id="overview"><h2>How to read this</h2>
<p class="hint">Every figure is compared with the <b>batch median</b>: the median over this batch's sources, i.e.
the typical site. A figure at least 5 points and 25% above it is a <span class="bad-text">concern</span>
(red). Rates count only documents where the figure was computed; “—” means never computed. Batch medians:
boilerplate {pct(med["boilerplate"])}, machine-translated {pct(med["machine_translated"])},
incoherent {pct(med["incoherent"])}, not an article {pct(med["not_article"])},
near-duplicates {pct(med["duplicates"])}.</p></section>
<section id="sources"><h2>Sources</h2>
<p class="hint">Click a column header to sort (numbers largest first, again to reverse); click a source for its
worst documents.</p>
{_table(sources)}</section>
<section id="plots"><h2>At a glance</h2><div class="plots">
<figure><figcaption>Boilerplate per source</figcaption>{boilerplate_plot(summary)}</figure>
<figure><figcaption>Problem rates per source</figcaption>{flags_plot(summary)}</figure>
</div></section>
<section id="copies"><h2>Who copies whom</h2>
<p class="hint">An arrow runs from the site where a story first appeared to each site that carried a near-duplicate;
the number is how many copies. {graph["clusters"]} duplicate clusters; origin by earliest date in
{rule["by_date"]}, by dedup's canonical record in {rule["by_canonical"]} (some members undated), by reading
order in {rule["by_order"]}.</p>
{copy_graph(summary)}</section>
<section id="details"><h2>Per-source details</h2>
<p class="hint"><button type="button" id="open-all">Open all</button>
<button type="button" id="close-all">Close all</button></p>
{details}
</section>
</main>
<script>{_JS}</script>
</body></html>
"""


def write_html_report(summary: dict[str, Any], path: str) -> None:
    """Write the report for a `summarize_sources` result to `path` as one self-contained HTML file."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(summary), encoding="utf-8")
