"""Judge sources: per-site reliability, who copies whom, and history across batches.

`summarize_sources` reads cleaner's output records once, keeping per-source accumulators (counts and small
value histograms) and at most `worst` documents per source for drill-down, so a batch of any size streams.
The one structure that grows with the input is the dedup cluster table (a few small tuples per record that
has `dedup`), because a cluster's origin is known only once all its members have been seen.

Every rate is taken over the documents where the underlying value is known: a record without a flag, score,
verdict or dedup counts as unknown for that figure, never as 0. Figures are judged against the batch median
over sources (the typical site in this batch), never turned into a bare grade.
"""

from __future__ import annotations

import hashlib
import heapq
import ipaddress
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .store import COUNT_COLUMNS, SourceStore

UNKNOWN = "unknown"
REPORTED_FLAGS = ("machine_translated", "incoherent")  # always present in the output, even when never computed
HIST_BINS = 10  # boilerplate-share histogram: [0,10%), [10,20%), ..., [90,100%]
BP_RESOLUTION = 1000  # boilerplate shares are kept to 0.1 percentage point for quartiles
READABILITY_RESOLUTION = 10  # readability grades are kept to 0.1 for medians
TOP_RULES = 10
TOP_LANGUAGES = 8
MAX_REMOVED_SHOWN = 12  # removed blocks kept per drill-down document
MAX_BLOCK_CHARS = 240  # removed-block text kept per block in the drill-down
FEW_DOCUMENTS = 5  # below this a site's figures are called rough in its summary
# A figure is a concern when it is at least this far above the batch median (absolute) ...
CONCERN_MARGIN = 0.05
# ... and at least this many times the median (so 2% vs 1% is not a concern, 30% vs 10% is).
CONCERN_RATIO = 1.25

# Second-level labels under which ccTLDs sell registrations (bbc.co.uk, abc.net.au, asahi.co.jp):
# a host ending in one of these plus a two-letter TLD keeps three labels as its registered domain.
# A heuristic, not the Public Suffix List: private suffixes (blogspot.com) and rarer public ones are not known.
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "nic", "mil",
                           "ltd", "plc", "sch", "nhs", "police", "gouv", "govt", "nom", "info", "biz"})


def registered_domain(host_or_url: str) -> str | None:
    """The site a URL or host belongs to: lower-case host without `www.`, cut to its registered domain.

    `news.bbc.co.uk` → `bbc.co.uk`, `edition.cnn.com` → `cnn.com`, IP addresses and single labels as is.
    None when there is no host to speak of.
    """
    text = host_or_url.strip()
    if not text:
        return None
    parts = urlsplit(text if "//" in text else "//" + text)
    try:
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    return _domain_of_host(host.rstrip("."))


@lru_cache(maxsize=65536)
def _domain_of_host(host: str) -> str | None:
    """Cached: a batch has many pages but few hosts, and this runs once per record."""
    if host[-1:].isdigit() or ":" in host:
        try:
            ipaddress.ip_address(host)
            return host
        except ValueError:
            pass
    labels = [label for label in host.split(".") if label]
    if not labels:
        return None
    if len(labels) > 2 and labels[0] in ("www", "www1", "www2", "www3"):
        labels = labels[1:]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def source_of(record: dict[str, Any]) -> str:
    """The site a record is judged under: the URL's registered domain, else its `source` field, else unknown.

    A `source` that looks like a host name (`www.Example.com`) is normalised the same way as a URL so both
    spellings of a site land together; a free-form name (`Gamma Wire`) is kept as written.
    """
    url = record.get("url")
    if isinstance(url, str) and url.strip():
        domain = registered_domain(url)
        if domain:
            return domain
    source = record.get("source")
    if isinstance(source, str) and source.strip():
        name = source.strip()
        if "." in name and " " not in name:
            domain = registered_domain(name)
            if domain:
                return domain
        return name
    return UNKNOWN


def _quantile(counts: Counter[int], q: float, scale: int) -> float | None:
    """The q-quantile of values stored as counts of scaled integers, by linear interpolation (numpy default)."""
    n = sum(counts.values())
    if n == 0:
        return None
    h = (n - 1) * q
    lo = math.floor(h)
    frac = h - lo
    want = (lo, min(lo + 1, n - 1))
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and want[len(found)] < seen:
            found.append(value)
        if len(found) == 2:
            break
    a, b = found
    return (a + (b - a) * frac) / scale


def _median(values: Iterable[float | None]) -> float | None:
    known = sorted(v for v in values if v is not None)
    if not known:
        return None
    mid = len(known) // 2
    return known[mid] if len(known) % 2 else (known[mid - 1] + known[mid]) / 2


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _date_key(value: Any) -> datetime | None:
    """A comparable UTC datetime for an ISO date; naive times are taken as UTC, garbage as unknown."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _dig(record: dict[str, Any], *keys: str) -> Any:
    node: Any = record
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _clip(text: Any, limit: int) -> str:
    text = text if isinstance(text, str) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Member:
    """One record of a dedup cluster: enough to find the cluster's origin once the stream ends."""

    source: str
    date: datetime | None
    is_canonical: bool
    id: str


@dataclass
class _Acc:
    """Running counts for one source; nothing here grows with the number of documents except small counters."""

    documents: int = 0
    bp_n: int = 0
    bp_sum: float = 0.0
    bp_values: Counter[int] = field(default_factory=Counter)  # share × BP_RESOLUTION → documents
    bp_hist: list[int] = field(default_factory=lambda: [0] * HIST_BINS)
    chars_in: int = 0
    chars_removed: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    flags: dict[str, list[int]] = field(default_factory=dict)  # name → [computed, flagged]
    languages: Counter[str] = field(default_factory=Counter)
    language_unknown: int = 0
    fre: Counter[int] = field(default_factory=Counter)
    fkg: Counter[int] = field(default_factory=Counter)
    article_known: int = 0
    not_article: int = 0
    dedup_known: int = 0
    duplicates: int = 0
    origin_clusters: int = 0
    copied_by_others: int = 0
    copies_of_others: int = 0
    self_copies: int = 0
    copied_from: Counter[str] = field(default_factory=Counter)
    copied_by: Counter[str] = field(default_factory=Counter)
    worst: list[tuple[tuple[int, float, int], dict[str, Any]]] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COUNT_COLUMNS}


def _flag_entries(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    flags = record.get("flags")
    if not isinstance(flags, dict):
        return {}
    return {k: v for k, v in flags.items() if isinstance(v, dict) and isinstance(v.get("flagged"), bool)}


def _worst_entry(record: dict[str, Any], share: float | None, removed_chars: int, chars_in: int) -> dict[str, Any]:
    """What a person needs to see why this document counts against its site; text is clipped, never trusted."""
    removed = [r for r in record.get("removed") or [] if isinstance(r, dict)]
    flags = _flag_entries(record)
    dedup = record.get("dedup") if isinstance(record.get("dedup"), dict) else None
    verdict = record.get("verdict") if isinstance(record.get("verdict"), dict) else {}
    is_article = verdict.get("is_article")
    return {
        "id": str(record.get("id", "")),
        "url": record.get("url") if isinstance(record.get("url"), str) else None,
        "title": record.get("title") if isinstance(record.get("title"), str) else None,
        "date": record.get("date") if isinstance(record.get("date"), str) else None,
        "language": record.get("language") if isinstance(record.get("language"), str) else None,
        "boilerplate_share": _r(share),
        "chars_in": chars_in,
        "chars_removed": removed_chars,
        "is_article": is_article if isinstance(is_article, bool) else None,
        "verdict_reasons": [str(x) for x in verdict.get("reasons") or []][:10],
        "flags": [
            {
                "name": name,
                "flagged": f["flagged"],
                "score": _number(f.get("score")),
                "threshold": _number(f.get("threshold")),
                "reasons": [str(x) for x in f.get("reasons") or []][:10],
            }
            for name, f in sorted(flags.items(), key=lambda kv: (not kv[1]["flagged"], kv[0]))
        ],
        "removed": [
            {
                "rule": str(r.get("rule", "")),
                "reason": _clip(r.get("reason"), 400),
                "text": _clip(r.get("text"), MAX_BLOCK_CHARS),
                "chars": len(r.get("text") or ""),
            }
            for r in removed[:MAX_REMOVED_SHOWN]
        ],
        "removed_total": len(removed),
        "dedup": None
        if dedup is None
        else {
            "cluster": str(dedup.get("cluster", "")),
            "canonical": str(dedup.get("canonical", "")),
            "is_canonical": bool(dedup.get("is_canonical")),
            "similarity": _number(dedup.get("similarity")),
        },
    }


class _Summarizer:
    """Accumulates records one at a time; `result()` turns the accumulators into the sources document."""

    def __init__(self, worst: int):
        self.worst = worst
        self.acc: dict[str, _Acc] = defaultdict(_Acc)
        self.clusters: dict[str, list[_Member]] = defaultdict(list)
        self.documents = 0
        self.fingerprint = 0  # order-independent: the sum of the records' id hashes
        self.seq = 0

    def add(self, record: dict[str, Any]) -> None:
        self.documents += 1
        self.seq += 1
        rid = str(record.get("id", f"#{self.seq}"))
        self.fingerprint += int.from_bytes(hashlib.blake2b(rid.encode(), digest_size=16).digest(), "big")
        src = source_of(record)
        a = self.acc[src]
        a.documents += 1

        stats = record.get("stats") if isinstance(record.get("stats"), dict) else {}
        chars_in = stats.get("chars_in") if isinstance(stats.get("chars_in"), int) else 0
        removed = [r for r in record.get("removed") or [] if isinstance(r, dict)]
        removed_chars = min(sum(len(r.get("text") or "") for r in removed), chars_in) if chars_in else 0
        share: float | None = None
        if chars_in > 0:
            share = removed_chars / chars_in
            a.bp_n += 1
            a.bp_sum += share
            a.bp_values[round(share * BP_RESOLUTION)] += 1
            a.bp_hist[min(int(share * HIST_BINS), HIST_BINS - 1)] += 1
            a.chars_in += chars_in
            a.chars_removed += removed_chars
        for r in removed:
            a.rules[str(r.get("rule") or UNKNOWN)] += 1

        problems = 0
        for name, f in _flag_entries(record).items():
            slot = a.flags.setdefault(name, [0, 0])
            slot[0] += 1
            if f["flagged"]:
                slot[1] += 1
                problems += 1

        language = record.get("language") or _dig(record, "scores", "language", "language")
        if isinstance(language, str) and language:
            a.languages[language] += 1
        else:
            a.language_unknown += 1
        for key, counter in (("flesch_reading_ease", a.fre), ("flesch_kincaid_grade", a.fkg)):
            value = _number(_dig(record, "scores", "readability", key))
            if value is not None:
                counter[round(value * READABILITY_RESOLUTION)] += 1

        is_article = _dig(record, "verdict", "is_article")
        if isinstance(is_article, bool):
            a.article_known += 1
            if not is_article:
                a.not_article += 1
                problems += 1

        dedup = record.get("dedup")
        if isinstance(dedup, dict) and isinstance(dedup.get("is_canonical"), bool):
            a.dedup_known += 1
            if not dedup["is_canonical"]:
                a.duplicates += 1
            cluster = dedup.get("cluster")
            if isinstance(cluster, str) and cluster:
                self.clusters[cluster].append(
                    _Member(src, _date_key(record.get("date")), dedup["is_canonical"], rid)
                )

        if self.worst > 0:
            key = (problems, -1.0 if share is None else share, -self.seq)
            if len(a.worst) < self.worst:
                heapq.heappush(a.worst, (key, _worst_entry(record, share, removed_chars, chars_in)))
            elif key > a.worst[0][0]:
                heapq.heapreplace(a.worst, (key, _worst_entry(record, share, removed_chars, chars_in)))

    def resolve_clusters(self) -> tuple[Counter[tuple[str, str]], dict[str, int]]:
        """Find each cluster's origin and count copies as edges origin site → copying site.

        The origin is the earliest-dated member when every member has a date (ties go to the canonical);
        otherwise the canonical record (dedup chooses it); when neither is known, the earliest-dated member,
        else the first one read. Clusters of one record are not copying and are skipped.
        """
        edges: Counter[tuple[str, str]] = Counter()
        how = Counter({"by_date": 0, "by_canonical": 0, "by_order": 0})
        for members in self.clusters.values():
            if len(members) < 2:
                continue
            canonical = next((m for m in members if m.is_canonical), None)
            dated = [m for m in members if m.date is not None]
            if len(dated) == len(members):
                origin = min(members, key=lambda m: (m.date, not m.is_canonical))
                how["by_date"] += 1
            elif canonical is not None:
                origin = canonical
                how["by_canonical"] += 1
            else:
                origin = min(dated, key=lambda m: m.date) if dated else members[0]  # type: ignore[arg-type, return-value]
                how["by_order"] += 1
            self.acc[origin.source].origin_clusters += 1
            for m in members:
                if m is origin:
                    continue
                if m.source == origin.source:
                    self.acc[m.source].self_copies += 1
                    continue
                edges[(origin.source, m.source)] += 1
                self.acc[origin.source].copied_by_others += 1
                self.acc[origin.source].copied_by[m.source] += 1
                self.acc[m.source].copies_of_others += 1
                self.acc[m.source].copied_from[origin.source] += 1
        return edges, dict(how)


def _flag_rates(flags: dict[str, list[int]] | dict[str, tuple[int, int]]) -> dict[str, dict[str, Any]]:
    names = sorted(set(REPORTED_FLAGS) | set(flags))
    out = {}
    for name in names:
        computed, flagged = flags.get(name, (0, 0))
        out[name] = {"computed": int(computed), "flagged": int(flagged), "rate": _r(_ratio(flagged, computed))}
    return out


def _headline_figures(t: dict[str, Any], flags: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """The few figures a source is judged on, from additive counts (so history uses the same definitions)."""
    return {
        "boilerplate": _ratio(t["bp_sum"], t["bp_n"]),
        "machine_translated": flags.get("machine_translated", {}).get("rate"),
        "incoherent": flags.get("incoherent", {}).get("rate"),
        "not_article": _ratio(t["not_article"], t["article_known"]),
        "duplicates": _ratio(t["duplicates"], t["dedup_known"]),
        "copies_of_others": _ratio(t["copies_of_others"], t["dedup_known"]),
    }


# metric → (label, what the percentage is a share of); order is the order a person reads them in.
_METRICS: dict[str, tuple[str, str]] = {
    "boilerplate": ("boilerplate", "of each page's characters on average"),
    "machine_translated": ("machine-translated", "of checked pages"),
    "incoherent": ("incoherent", "of checked pages"),
    "not_article": ("not an article", "of pages"),
    "duplicates": ("near-duplicates", "of deduplicated pages"),
    "copies_of_others": ("copies of other sites' stories", "of deduplicated pages"),
}


def pct(value: float | None) -> str:
    """A share as a person reads it: whole percent, one decimal below 1%, a dash when unknown."""
    if value is None:
        return "—"
    p = value * 100
    if p == 0:
        return "0%"
    if abs(p) < 1:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


def _signed_points(delta: float) -> str:
    p = delta * 100
    return f"{'+' if p >= 0 else '−'}{abs(p):.0f} pt" if abs(p) >= 1 else f"{'+' if p >= 0 else '−'}{abs(p):.1f} pt"


def _reliability(
    figures: dict[str, float | None],
    counts: dict[str, int],
    medians: dict[str, float | None],
    history: dict[str, Any] | None,
    documents: int,
    origin: tuple[int, int],
) -> dict[str, Any]:
    """A readable judgement: each figure beside the batch median, the ones notably worse called concerns."""
    items = []
    short: dict[str, str] = {}  # the compact form the headline lists
    for metric, (label, of) in _METRICS.items():
        value, median = figures[metric], medians.get(metric)
        if value is None:
            text = f"{label}: not known (no page had it computed)"
            worse = None
        else:
            n = counts.get(metric)
            of_text = of.replace("checked pages", f"{n} checked pages") if n is not None else of
            text = f"{label} {pct(value)} {of_text} (batch median {pct(median)})"
            worse = (
                median is not None
                and value - median >= CONCERN_MARGIN
                and (median == 0 or value / median >= CONCERN_RATIO)
            )
        items.append({"metric": metric, "value": _r(value), "batch_median": _r(median), "worse": worse,
                      "text": text})
        short[metric] = f"{label} {pct(value)} (median {pct(median)})"
    concerns = sorted(
        (i for i in items if i["worse"]), key=lambda i: -(i["value"] - (i["batch_median"] or 0.0))
    )
    lines = [i["text"] for i in concerns]
    if concerns:
        headline = f"{len(concerns)} figure{'s' if len(concerns) > 1 else ''} notably worse than the batch median: "
        headline += ", ".join(short[i["metric"]] for i in concerns) + "."
    else:
        headline = "No figure notably worse than the batch median."
    origins, copied_by = origin
    if origins or copied_by:
        lines.append(f"origin of {origins} duplicate cluster{'s' if origins != 1 else ''}, "
                     f"copied {copied_by} time{'s' if copied_by != 1 else ''} by other sites")
    if documents < FEW_DOCUMENTS:
        note = f"only {documents} document{'s' if documents != 1 else ''}: treat the figures as rough"
        lines.append(note)
        headline += f" Note: {note}."
    if history and history.get("change") and history["change"].get("boilerplate") is not None:
        prev = history["previous"]
        now = figures["boilerplate"]
        change = history["change"]["boilerplate"]
        text = (f"boilerplate {pct(now)} now vs {pct(prev['boilerplate'])} in the previous batch "
                f"({_signed_points(change)}); {pct(history['boilerplate'])} over {history['batches']} earlier "
                f"batch{'es' if history['batches'] != 1 else ''} ({history['documents']} documents)")
        lines.append(text)
    return {"headline": headline, "lines": lines, "items": items,
            "concerns": [i["metric"] for i in concerns]}


def _history_view(
    stored: dict[str, Any] | None, figures: dict[str, float | None]
) -> dict[str, Any] | None:
    """History from earlier batches and the change of each figure since the most recent one."""
    if not stored:
        return None
    total, prev = stored["total"], stored["previous"]
    total_fig = _headline_figures(total, _flag_rates(total["flags"]))
    prev_fig = _headline_figures(prev, _flag_rates(prev["flags"]))
    change = {
        k: _r(figures[k] - prev_fig[k]) if figures[k] is not None and prev_fig[k] is not None else None
        for k in figures
    }
    return {
        "batches": stored["batches"],
        "documents": int(total["documents"]),
        **{k: _r(v) for k, v in total_fig.items()},
        "previous": {
            "batch": prev["batch"],
            "created_at": prev["created_at"],
            "documents": int(prev["documents"]),
            **{k: _r(v) for k, v in prev_fig.items()},
        },
        "change": change,
    }


def summarize_sources(
    records: Iterable[dict[str, Any]], store: str | None = None, *, worst: int = 5
) -> dict[str, Any]:
    """Summarize a batch of cleaner records per source (validates against schemas/sources.schema.json).

    `store`: path of the SQLite store shared with the dedup index; when given, this batch's counts are added
    to each source's history (a re-run of the same records replaces, not doubles, them) and each source
    shows its change since the previous batch. `worst`: documents kept per source for drill-down.
    """
    s = _Summarizer(worst)
    for record in records:
        if isinstance(record, dict):
            s.add(record)
    edges, origin_rule_counts = s.resolve_clusters()
    fingerprint = f"{s.documents}:{s.fingerprint % (1 << 128):032x}"

    per_source: dict[str, dict[str, Any]] = {}
    for name, a in s.acc.items():
        flags = _flag_rates(a.flags)
        per_source[name] = {"flags": flags, "figures": _headline_figures(a.totals(), flags)}
    medians = {m: _median(v["figures"][m] for v in per_source.values()) for m in _METRICS}

    batch_info: dict[str, Any] | None = None
    stored_history: dict[str, dict[str, Any]] = {}
    if store:
        with SourceStore(store) as st:
            batch_info, stored_history = st.record_batch(
                fingerprint,
                s.documents,
                {name: a.totals() for name, a in s.acc.items()},
                {name: {k: (v[0], v[1]) for k, v in a.flags.items()} for name, a in s.acc.items()},
            )

    sources_out = []
    for name, a in sorted(s.acc.items(), key=lambda kv: (-kv[1].documents, kv[0])):
        flags, figures = per_source[name]["flags"], per_source[name]["figures"]
        history = _history_view(stored_history.get(name), figures)
        counts = {m: flags[m]["computed"] for m in ("machine_translated", "incoherent")}
        known_lang = sum(a.languages.values())
        sources_out.append({
            "source": name,
            "documents": a.documents,
            "boilerplate": {
                "documents": a.bp_n,
                "mean": _r(figures["boilerplate"]),
                "char_share": _r(_ratio(a.chars_removed, a.chars_in)),
                "chars_in": a.chars_in,
                "chars_removed": a.chars_removed,
                "quartiles": [_r(_quantile(a.bp_values, q, BP_RESOLUTION)) for q in (0.25, 0.5, 0.75)]
                if a.bp_n else None,
                "histogram": list(a.bp_hist),
            },
            "rules": {
                "removed_blocks": sum(a.rules.values()),
                "top": [{"rule": r, "count": c} for r, c in sorted(a.rules.items(), key=lambda kv: (-kv[1], kv[0]))
                        [:TOP_RULES]],
            },
            "flags": flags,
            "languages": {
                "known": known_lang,
                "unknown": a.language_unknown,
                "top": [{"language": lang, "documents": c, "share": _r(c / known_lang)}
                        for lang, c in sorted(a.languages.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_LANGUAGES]],
            },
            "readability": {
                "documents": sum(a.fre.values()),
                "flesch_reading_ease_median": _r(_quantile(a.fre, 0.5, READABILITY_RESOLUTION), 2),
                "flesch_kincaid_grade_median": _r(_quantile(a.fkg, 0.5, READABILITY_RESOLUTION), 2),
            },
            "not_article": {"known": a.article_known, "count": a.not_article, "share": _r(figures["not_article"])},
            "duplicates": {"known": a.dedup_known, "count": a.duplicates, "share": _r(figures["duplicates"])},
            "copies": {
                "origin_clusters": a.origin_clusters,
                "copied_by_others": a.copied_by_others,
                "copies_of_others": a.copies_of_others,
                "self_copies": a.self_copies,
                "copied_from": dict(sorted(a.copied_from.items(), key=lambda kv: (-kv[1], kv[0]))),
                "copied_by": dict(sorted(a.copied_by.items(), key=lambda kv: (-kv[1], kv[0]))),
            },
            "reliability": _reliability(figures, counts, medians, history, a.documents,
                                        (a.origin_clusters, a.copied_by_others)),
            "history": history,
            "worst": [entry for _, entry in sorted(a.worst, key=lambda e: e[0], reverse=True)],
        })

    all_bp = sum(a.bp_sum for a in s.acc.values())
    all_bp_n = sum(a.bp_n for a in s.acc.values())
    return {
        "version": 1,
        "batch": {
            "documents": s.documents,
            "sources": len(s.acc),
            "fingerprint": fingerprint,
            "boilerplate_mean": _r(_ratio(all_bp, all_bp_n)),
            "medians": {k: _r(v) for k, v in medians.items()},
            "store": None if batch_info is None else {"path": str(store), **batch_info},
        },
        "sources": sources_out,
        "copy_graph": {
            "clusters": sum(1 for m in s.clusters.values() if len(m) > 1),
            "origin_rule": origin_rule_counts,
            "edges": [{"from": f, "to": t, "count": c}
                      for (f, t), c in sorted(edges.items(), key=lambda kv: (-kv[1], kv[0]))],
        },
    }
