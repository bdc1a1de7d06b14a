"""Extraction benchmark: cleaner vs trafilatura, readability-lxml, jusText and resiliparse.

HTML mode: every system gets the same decoded HTML in one process; scored with the scrapinghub metric
(token 4-gram shingles, per-page P/R averaged, F1 of the means; ../shared/data/extraction/README.md) per
dataset (scrapinghub gold, readability silver, reported apart), with pages per second (wall time over all pages,
after one warm-up page per system, so that no system pays the others' or its own one-time loading; the median of
HTML_PASSES passes, the systems taking turns every HTML_TURN_PAGES pages, as this machine's speed drifts within
minutes).

Text mode: text/<id>.txt (naive page text) → cleaner.clean_text vs keep-everything, jusText and
trafilatura on the same text wrapped one <p> per line; shingle P/R/F1 of the kept text against the ground
truth, body-line recall and drop-line removal against the gold line labels; and cleaner on the same text with
its blank lines taken out (a page dump one line a paragraph).

Text an extractor produced: each extractor's output of each page, as it is and after cleaner's text mode.

Cleaner's numbers are OUT-OF-FOLD: the block classifier is retrained per fold (5 folds grouped by site,
tools/train_blocks.py) and the whole pipeline runs on each fold's held-out pages with that fold's model.
The committed model's numbers (training fit on these pages) are printed too, labelled as such.

    .venv/bin/python bench/extraction.py [--json out.json] [--limit N] [--no-oof] [--fold-models DIR]
        [--quick] [--losses] [--templates]

--quick: only the out-of-fold cleaner and model-only rows (no peers, no committed-model row): for iterating.
--losses: which rule removed gold body lines (and how many drop lines it removed that the model alone would
have kept), per mode, out-of-fold; the numbers to judge a rule by.
--templates: also run the out-of-fold cleaner with cross-page template evidence (cleaner.templates), learnt
from the held-out fold's own pages (as a batch of many pages of one site would).
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_blocks as tb  # noqa: E402

from cleaner.classifier import BlockClassifier  # noqa: E402
from cleaner.document import Block  # noqa: E402
from cleaner.html import html_to_blocks, parse_html, visible_lines  # noqa: E402

DATA = tb.DATA


# ------------------------------------------------------------------------------------------------
# systems (HTML in, text out)
# ------------------------------------------------------------------------------------------------


TEMPLATES: dict[str, Any] = {}  # mode -> TemplateLearner, set by --templates


def _fresh_pipeline(mode: str | None = None) -> Any:
    """A new default pipeline: its cleaner loads the classifier anew, so a per-fold override takes effect
    (the pipeline clean_html caches keeps the model it loaded first). With `mode` and --templates, the
    pipeline uses the template evidence learnt for that mode."""
    import cleaner

    return cleaner.Pipeline.default([], score=False, templates=TEMPLATES.get(mode) if mode else None)


def learn_site_templates(pages: list[tb.Page], mode: str, min_pages: int) -> Any:
    """Template evidence per site from the pages themselves (no labels: what `cleaner templates learn` sees
    in a batch holding these pages), each page under its site."""
    from cleaner.templates import TemplateLearner

    learner = TemplateLearner(min_pages=min_pages)
    for p in pages:
        learner.observe(p.site, p.html_blocks if mode == "html" else p.text_blocks, p.id)
    return learner


def _cleaner_html() -> Callable[[str, str | None], str]:
    """cleaner.clean_html when the pipeline exists; else html_to_blocks + the classifier at its threshold."""
    import cleaner

    if hasattr(cleaner, "clean_html"):
        pipe = _fresh_pipeline()
        return lambda h, u: cleaner.clean_html(h, url=u, pipeline=pipe).text
    return lambda h, u: _classify_only(*html_to_blocks(h, u))


def _classify_only(blocks: list[Block], meta: dict) -> str:
    clf = BlockClassifier.load()
    if not blocks:
        return ""
    scores = clf.predict(blocks, meta.get("title"))
    cut = clf.threshold("dom" in blocks[0].features)
    return "\n".join(b.text for b, s in zip(blocks, scores, strict=True) if s.p_boilerplate < cut)


def _cleaner_text(titles: dict[str, str | None] | None = None) -> Callable[[str], tuple[str, list[str]]]:
    """cleaner.clean_text → (kept text, kept lines); fallback: segment + classifier. With `titles`, each
    document's headline is recorded there under its text."""
    import cleaner

    if hasattr(cleaner, "clean_text"):
        pipe = _fresh_pipeline()

        def run(text: str) -> tuple[str, list[str]]:
            doc = cleaner.clean_text(text, pipeline=pipe)
            if titles is not None:
                titles[text] = doc.title
            return doc.text, [b.text for b in doc.kept_blocks]
        return run

    def fallback(text: str) -> tuple[str, list[str]]:
        blocks = tb.text_blocks(text.split("\n"))
        kept = _classify_only(blocks, {}).split("\n") if blocks else []
        return "\n".join(kept), kept
    return fallback


def _trafilatura(h: str, u: str | None) -> str:
    import trafilatura

    return trafilatura.extract(h, url=u) or ""


def _readability(h: str, u: str | None) -> str:
    from readability import Document

    summary = Document(h).summary(html_partial=True)
    return "\n".join(visible_lines(parse_html(summary)))


def _justext(h: str, u: str | None) -> str:
    import justext

    paragraphs = justext.justext(h.encode("utf-8"), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _resiliparse(h: str, u: str | None) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(h, main_content=True)


PEERS: dict[str, Callable[[str, str | None], str]] = {
    "trafilatura": _trafilatura, "readability-lxml": _readability, "jusText": _justext, "resiliparse": _resiliparse,
}


# ------------------------------------------------------------------------------------------------
# out-of-fold classifiers
# ------------------------------------------------------------------------------------------------


def fold_classifiers(pages: list[tb.Page], fold_dir: Path | None) -> tuple[list[int], list[BlockClassifier]]:
    """One classifier per fold (5 folds grouped by site), trained without that fold's sites.

    Read from `fold_dir` when tools/train_blocks.py --fold-models wrote them there (same folds, same
    code), else trained here (slow: 2 modes × 5 folds × a two-stage model).
    """
    fold = tb.folds(pages, tb.N_FOLDS)
    if fold_dir and all((fold_dir / f"{m}_fold{f}.json").exists() for m in ("text", "html") for f in range(tb.N_FOLDS)):
        clfs = []
        ids = {p.id: i for i, p in enumerate(pages)}
        for f in range(tb.N_FOLDS):
            specs = {m: json.loads((fold_dir / f"{m}_fold{f}.json").read_text()) for m in ("text", "html")}
            for m in specs:
                assert all(fold[ids[pid]] == f for pid in specs[m]["test_pages"] if pid in ids), f"fold {f} differs"
            clfs.append(BlockClassifier.from_specs(specs))
        return fold, clfs
    from cleaner.classifier import STAGE2_NAMES

    committed = {m: json.loads((tb.MODELS / f"blocks_{m}.json").read_text()) for m in ("text", "html")}
    mats = {m: tb.matrices(pages, m) for m in ("text", "html")}
    t0 = time.time()
    out = []
    for f in range(tb.N_FOLDS):
        tr = [i for i, g in enumerate(fold) if g != f]
        specs = {}
        for mode in ("text", "html"):
            names = mats[mode][0][1]
            model = tb.TwoStage().fit([pages[i] for i in tr], [mats[mode][i][0] for i in tr], mode)
            stage2 = tb.export(model.stage2, names + list(STAGE2_NAMES))
            tb.shift_to_half(stage2, committed[mode]["chosen_threshold"])
            specs[mode] = {"threshold": 0.5, "stage1": tb.export(model.stage1, names), "stage2": stage2}
        out.append(BlockClassifier.from_specs(specs))
        print(f"  fold {f + 1}/{tb.N_FOLDS} trained ({time.time() - t0:.0f}s)", file=sys.stderr)
    return fold, out


# ------------------------------------------------------------------------------------------------
# runs
# ------------------------------------------------------------------------------------------------


def score(pages: list[tb.Page], outputs: dict[str, str]) -> dict[str, Any]:
    res = {}
    for ds in sorted({p.dataset for p in pages}):
        pairs = [tb.page_prf(p.truth, outputs[p.id]) for p in pages if p.dataset == ds]
        res[ds] = tb.summarise(pairs)
    return res


#: HTML speed: rounds of one pass of every system over the pages (alternated; the median pass counts)
HTML_PASSES = 3
HTML_TURN_PAGES = 10


def run_html(pages: list[tb.Page], htmls: dict[str, str], urls: dict[str, str | None],
             oof: tuple[list[int], list[BlockClassifier]] | None, quick: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {}
    systems: dict[str, Callable[[str, str | None], str]] = {}
    if not quick:
        systems["cleaner (committed model: training fit)"] = _cleaner_html()
        systems.update(PEERS)
    for fn in systems.values():
        fn(htmls[pages[0].id], urls[pages[0].id])  # warm-up: imports, models and caches load before the clock
    # Speed: HTML_PASSES passes over all pages, the systems taking turns every HTML_TURN_PAGES pages (the first
    # system of a turn rotates): each system's time is the sum of its own turns, so all of them see the machine
    # in the same states (its speed drifts by 20-50% within minutes: one pass each, one after another, compared
    # moments, not systems), and each runs several pages in a row, as a user runs it (turns of one page let the
    # systems evict each other's code and data from the CPU's caches). A system's pages per second are those of
    # its median pass.
    times: dict[str, list[float]] = {name: [] for name in systems}
    outputs_of: dict[str, dict[str, str]] = {name: {} for name in systems}
    order = list(systems)
    clock = time.perf_counter
    for n_pass in range(HTML_PASSES if systems else 0):  # (--quick: no speed)
        spent = dict.fromkeys(systems, 0.0)
        for turn, first in enumerate(range(0, len(pages), HTML_TURN_PAGES)):
            batch = pages[first:first + HTML_TURN_PAGES]
            shift = (turn + n_pass) % len(order)
            for name in order[shift:] + order[:shift]:
                fn, outputs = systems[name], outputs_of[name]
                t0 = clock()
                for p in batch:
                    outputs[p.id] = fn(htmls[p.id], urls[p.id])
                spent[name] += clock() - t0
        for name in systems:
            times[name].append(spent[name])
    for name in systems:
        dt = statistics.median(times[name])
        results[name] = score(pages, outputs_of[name]) | {"pages_per_s": round(len(pages) / dt, 1),
                                                          "passes_s": [round(t, 2) for t in times[name]]}
    if oof is not None:
        import cleaner

        fold, clfs = oof
        outputs, t0 = {}, time.perf_counter()
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            run = _cleaner_html()
            for i, p in enumerate(pages):
                if fold[i] == f:
                    outputs[p.id] = run(htmls[p.id], urls[p.id])
        BlockClassifier.override(None)
        dt = time.perf_counter() - t0
        results["cleaner (out-of-fold)"] = score(pages, outputs) | {"pages_per_s": round(len(pages) / dt, 1)}
        # the block model alone (no rule packs), to show what the rules add or cost
        outputs = {}
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            outputs.update({p.id: _classify_only(*html_to_blocks(htmls[p.id], urls[p.id]))
                            for i, p in enumerate(pages) if fold[i] == f})
        BlockClassifier.override(None)
        results["cleaner model only, no rules (out-of-fold)"] = score(pages, outputs)
        if "html" in TEMPLATES:
            outputs = {}
            for f, clf in enumerate(clfs):
                BlockClassifier.override(clf)
                pipe = _fresh_pipeline("html")
                outputs.update({p.id: cleaner.clean_html(htmls[p.id], url=urls[p.id], source=p.site, pipeline=pipe).text
                                for i, p in enumerate(pages) if fold[i] == f})
            BlockClassifier.override(None)
            results["cleaner + site templates (out-of-fold)"] = score(pages, outputs)
    return results


def _line_stats(page: tb.Page, kept_lines: list[str]) -> tuple[int, int, int, int]:
    """Body lines kept / body lines, drop lines removed / drop lines (kept lines matched in order)."""
    kept = list(kept_lines)
    j = 0
    body = kb = drop = rd = 0
    for block, label in zip(page.text_blocks, page.labels, strict=True):
        hit = j < len(kept) and kept[j].strip() == block.text.strip()
        if hit:
            j += 1
        if label == 0:
            body += 1
            kb += hit
        else:
            drop += 1
            rd += not hit
    return kb, body, rd, drop


def score_text(pages: list[tb.Page], outputs: dict[str, tuple[str, list[str]]]) -> dict[str, Any]:
    res = score(pages, {k: v[0] for k, v in outputs.items()})
    for ds in res:
        tot = [0, 0, 0, 0]
        for p in pages:
            if p.dataset == ds:
                for k, v in enumerate(_line_stats(p, outputs[p.id][1])):
                    tot[k] += v
        res[ds] |= {"body_line_recall": round(tot[0] / max(tot[1], 1), 4),
                    "drop_line_removal": round(tot[2] / max(tot[3], 1), 4)}
    return res


def _lines_kept_by(lines: list[str], extracted: str) -> list[str]:
    out = {x.strip() for x in extracted.split("\n") if x.strip()}
    return [x for x in lines if x in out]


def run_text(pages: list[tb.Page], texts: dict[str, str],
             oof: tuple[list[int], list[BlockClassifier]] | None, quick: bool = False) -> dict[str, Any]:
    import justext
    import trafilatura

    results: dict[str, Any] = {}

    def wrap(text: str) -> str:
        return "<html><body>" + "".join(f"<p>{html_lib.escape(x)}</p>" for x in text.split("\n") if x.strip()) \
            + "</body></html>"

    def keep_all(text: str) -> tuple[str, list[str]]:
        lines = [x.strip() for x in text.split("\n") if x.strip()]
        return "\n".join(lines), lines

    def jt(text: str) -> tuple[str, list[str]]:
        paragraphs = justext.justext(wrap(text).encode("utf-8"), justext.get_stoplist("English"))
        out = "\n".join(p.text for p in paragraphs if not p.is_boilerplate)
        return out, _lines_kept_by([x.strip() for x in text.split("\n") if x.strip()], out)

    def tf(text: str) -> tuple[str, list[str]]:
        out = trafilatura.extract(wrap(text)) or ""
        return out, _lines_kept_by([x.strip() for x in text.split("\n") if x.strip()], out)

    systems = {"cleaner (committed model: training fit)": _cleaner_text(), "keep everything": keep_all,
               "jusText on <p> lines": jt, "trafilatura on <p> lines": tf}
    for name, fn in ({} if quick else systems).items():
        fn(texts[pages[0].id])  # warm-up, as in HTML mode
        t0 = time.perf_counter()
        outputs = {p.id: fn(texts[p.id]) for p in pages}
        dt = time.perf_counter() - t0
        results[name] = score_text(pages, outputs) | {"pages_per_s": round(len(pages) / dt, 1)}
    if oof is not None:
        from cleaner.metadata import _norm

        fold, clfs = oof
        outputs = {}
        titles: dict[str, str | None] = {}
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            run = _cleaner_text(titles)
            outputs.update({p.id: run(texts[p.id]) for i, p in enumerate(pages) if fold[i] == f})
        BlockClassifier.override(None)
        results["cleaner (out-of-fold)"] = score_text(pages, outputs)
        # no headline is declared in text mode: how often is the one the pipeline finds the gold title line?
        found = [bool(p.title and titles.get(texts[p.id]) and _norm(titles[texts[p.id]] or "") == _norm(p.title))
                 for p in pages]
        results["cleaner (out-of-fold)"]["headline_is_gold_title"] = sum(found)
        # the same page text with no blank line (a dump one line a paragraph): not an extractor's output, so no
        # line may be spared as one (clean.EXTRACTOR_SENTENCE_SHARE)
        outputs = {}
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            run = _cleaner_text({})
            outputs.update({p.id: run("\n".join(line for line in texts[p.id].split("\n") if line.strip()))
                            for i, p in enumerate(pages) if fold[i] == f})
        BlockClassifier.override(None)
        results["cleaner, no blank line in the text (out-of-fold)"] = score_text(pages, outputs)
        outputs = {}
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            for i, p in enumerate(pages):
                if fold[i] == f:
                    blocks = tb.text_blocks(texts[p.id].split("\n"))
                    kept = _classify_only(blocks, {"title": p.title}).split("\n") if blocks else []
                    outputs[p.id] = ("\n".join(kept), kept)
        BlockClassifier.override(None)
        results["cleaner model only, no rules, gold title (out-of-fold)"] = score_text(pages, outputs)
        if "text" in TEMPLATES:
            import cleaner

            outputs = {}
            for f, clf in enumerate(clfs):
                BlockClassifier.override(clf)
                pipe = _fresh_pipeline("text")
                for i, p in enumerate(pages):
                    if fold[i] == f:
                        doc = cleaner.clean_text(texts[p.id], source=p.site, pipeline=pipe)
                        outputs[p.id] = (doc.text, [b.text for b in doc.kept_blocks])
            BlockClassifier.override(None)
            results["cleaner + site templates (out-of-fold)"] = score_text(pages, outputs)
    return results


def run_extracted(pages: list[tb.Page], htmls: dict[str, str], urls: dict[str, str | None],
                  oof: tuple[list[int], list[BlockClassifier]] | None, quick: bool = False) -> dict[str, Any]:
    """Text an extractor already produced: each extractor's output of each page (trafilatura, readability-lxml,
    resiliparse, jusText; one paragraph a line), as it is and after cleaner's text mode (out-of-fold); for
    trafilatura also with the headline it read off the page given. `quick`: trafilatura's output only."""
    import trafilatura

    import cleaner

    names = ["trafilatura"] if quick else list(PEERS)
    extracted = {name: {p.id: PEERS[name](htmls[p.id], urls[p.id]) for p in pages} for name in names}
    titles = {}
    for p in pages:
        meta = trafilatura.extract_metadata(htmls[p.id])
        titles[p.id] = meta.title if meta else None
    results: dict[str, Any] = {}
    for name in names:
        results[name] = score(pages, extracted[name])
        if oof is None:
            continue
        fold, clfs = oof
        plain: dict[str, str] = {}
        titled: dict[str, str] = {}
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            pipe = _fresh_pipeline()
            for i, p in enumerate(pages):
                if fold[i] == f:
                    plain[p.id] = cleaner.clean_text(extracted[name][p.id], pipeline=pipe).text
                    if name == "trafilatura":
                        titled[p.id] = cleaner.clean_text(extracted[name][p.id], title=titles[p.id],
                                                          pipeline=pipe).text
        BlockClassifier.override(None)
        results[f"{name}, then cleaner text mode (out-of-fold)"] = score(pages, plain)
        if titled:
            results["... with trafilatura's headline given"] = score(pages, titled)
    return results


# ------------------------------------------------------------------------------------------------
# per-rule losses (--losses)
# ------------------------------------------------------------------------------------------------


def rule_losses(pages: list[tb.Page], htmls: dict[str, str], urls: dict[str, str | None],
                texts: dict[str, str], oof: tuple[list[int], list[BlockClassifier]]) -> dict[str, Any]:
    """Per mode and rule: gold body lines it removed (and how many of those the model alone would have kept,
    on how many sites), drop lines it removed (and how many of those the model alone would have kept: what
    the rule adds). Out-of-fold: each page is cleaned with the model that did not see its site."""
    import cleaner

    fold, clfs = oof
    out: dict[str, Any] = {}
    for mode in ("html", "text"):
        stats: dict[str, dict[str, Any]] = {}
        examples: dict[str, list[str]] = {}
        for f, clf in enumerate(clfs):
            BlockClassifier.override(clf)
            pipe = _fresh_pipeline()
            for i, p in enumerate(pages):
                if fold[i] != f:
                    continue
                if mode == "html":
                    doc = cleaner.clean_html(htmls[p.id], url=urls[p.id], pipeline=pipe)
                else:
                    doc = cleaner.clean_text(texts[p.id], pipeline=pipe)
                if len(doc.blocks) != len(p.labels):
                    continue
                probs = clf.scores(doc.blocks, doc.title)[0] if doc.blocks else []
                cut = clf.threshold(mode == "html")
                for r in doc.removed:
                    if r.partial:
                        continue
                    s = stats.setdefault(r.rule, {"body_lost": 0, "body_lost_model_keeps": 0, "sites": set(),
                                                  "drop_removed": 0, "drop_gain_over_model": 0})
                    model_keeps = bool(probs[r.block] < cut)
                    if p.labels[r.block] == 0:
                        s["body_lost"] += 1
                        s["body_lost_model_keeps"] += model_keeps
                        s["sites"].add(p.site)
                        if model_keeps:
                            examples.setdefault(r.rule, []).append(f"{p.id}: {r.text[:70]!r} | {r.reason[:90]}")
                    else:
                        s["drop_removed"] += 1
                        s["drop_gain_over_model"] += model_keeps
        BlockClassifier.override(None)
        out[mode] = {k: v | {"sites": len(v["sites"]), "examples": examples.get(k, [])[:8]}
                     for k, v in sorted(stats.items(), key=lambda kv: -kv[1]["body_lost"])}
    return out


def print_losses(losses: dict[str, Any]) -> None:
    for mode, stats in losses.items():
        print(f"\n## {mode} mode: gold lines removed per rule (out-of-fold)")
        print(f"{'rule':44s} body_lost (model_keeps, sites) | drop_removed (model_keeps)")
        for rule, s in stats.items():
            if rule.startswith("model/"):
                print(f"{rule:44s} {s['body_lost']:5d} | {s['drop_removed']:5d}")
                continue
            print(f"{rule:44s} {s['body_lost']:5d} ({s['body_lost_model_keeps']:4d}, {s['sites']:3d}) | "
                  f"{s['drop_removed']:5d} ({s['drop_gain_over_model']:4d})")
        for rule, s in stats.items():
            for ex in s["examples"]:
                print(f"    {rule}: {ex}")


def print_table(title: str, results: dict[str, Any]) -> None:
    print(f"\n## {title}")
    datasets = sorted({ds for r in results.values() for ds in r if isinstance(r[ds], dict)})
    extra = any("body_line_recall" in r[ds] for r in results.values() for ds in datasets if ds in r)
    head = f"{'system':44s}" + "".join(f" | {ds[:11]:>11s} P     R     F1  " + ("  bodyR dropR" if extra else "")
                                       for ds in datasets) + " | pages/s"
    print(head)
    for name, r in results.items():
        row = f"{name:44s}"
        for ds in datasets:
            v = r[ds]
            row += f" |   {v['precision']:.3f} {v['recall']:.3f} {v['f1']:.3f}"
            if extra:
                row += f"  {v.get('body_line_recall', float('nan')):.3f} {v.get('drop_line_removal', float('nan')):.3f}"
        row += f" | {r.get('pages_per_s', '')}"
        print(row)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--limit", type=int, help="only the first N pages (quick look; no out-of-fold)")
    ap.add_argument("--no-oof", action="store_true", help="skip the per-fold retraining (committed model only)")
    ap.add_argument("--fold-models", type=Path, help="per-fold models from tools/train_blocks.py --fold-models")
    ap.add_argument("--quick", action="store_true", help="out-of-fold cleaner rows only (no peers)")
    ap.add_argument("--losses", action="store_true", help="gold lines removed per rule, out-of-fold")
    ap.add_argument("--templates", type=int, metavar="MIN_PAGES", nargs="?", const=3,
                    help="add a row with per-site template evidence (a block on ≥ MIN_PAGES pages of its site)")
    args = ap.parse_args(argv)
    if not (DATA / "manifest.jsonl").exists():
        print(f"development data not found at {DATA} (../shared is absent); nothing to measure")
        return 0
    pages = tb.load_pages(DATA, html=True)
    recs = {r["id"]: r for r in tb.load_manifest(DATA)}
    htmls = {p.id: tb.decode_html((DATA / recs[p.id]["html"]).read_bytes()) for p in pages}
    urls = {p.id: recs[p.id].get("url") for p in pages}
    texts = {p.id: (DATA / "text" / f"{p.id}.txt").read_text(encoding="utf-8") for p in pages}
    oof = None
    if not args.no_oof and not args.limit:
        oof = fold_classifiers(pages, args.fold_models)
    if args.limit:
        pages = pages[: args.limit]
    if args.templates:
        for mode in ("html", "text"):
            TEMPLATES[mode] = learn_site_templates(pages, mode, args.templates)
    if args.losses and oof is not None:
        losses = rule_losses(pages, htmls, urls, texts, oof)
        print_losses(losses)
        if args.json:
            args.json.write_text(json.dumps({"losses": losses}, indent=1))
        return 0
    html_res = run_html(pages, htmls, urls, oof, args.quick)
    text_res = run_text(pages, texts, oof, args.quick)
    extracted_res = run_extracted(pages, htmls, urls, oof, args.quick)
    print_table("HTML mode (scrapinghub metric; pages/s = whole extraction incl. metadata)", html_res)
    print_table("Text mode (naive text in; shingles vs ground truth; line labels from gold.tsv)", text_res)
    print_table("Text an extractor produced (each extractor's output in; shingles vs ground truth)", extracted_res)
    gold_titles = text_res.get("cleaner (out-of-fold)", {}).get("headline_is_gold_title")
    if gold_titles is not None:
        print(f"text mode, out-of-fold: the headline found is the gold title line on {gold_titles} of {len(pages)} pages")
    if args.json:
        args.json.write_text(json.dumps({"html": html_res, "text": text_res, "extracted": extracted_res,
                                         "pages": len(pages)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
