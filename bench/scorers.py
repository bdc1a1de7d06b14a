"""What the scorers cost next to cleaning, on news-length text; and, with --accuracy, how well they flag.

    .venv/bin/python bench/scorers.py                  # speed only, about 2 minutes
    .venv/bin/python bench/scorers.py --n 1000         # more documents
    .venv/bin/python bench/scorers.py --accuracy       # + the MT and incoherence accuracy tables (~6 min more)
    .venv/bin/python bench/scorers.py --json out.json  # also write the numbers as JSON
    .venv/bin/python bench/scorers.py --profile NAME   # cProfile of one scorer ("all", "clean", or a scorer)

Documents (text mode, news-length): the article bodies of ../shared/data/extraction/manifest.jsonl (238 pages
from 126+ sites, mostly English, some German, Russian, Japanese...; the "news" documents of bench/scale.py),
then English articles of ../shared/data/news/docs.jsonl (with their headlines) up to `--n` documents (500),
all distinct. First, 300 other news articles go through the whole pipeline: models, dictionaries and profiles
load once per process (not what is measured), and the scorers' per-word caches fill with common words, as
they are in a long run.

Speed (one process, one thread, CPU time by `time.process_time`; load from other processes on the machine
still slows CPU time somewhat, so compare numbers taken together):
- cleaning: `cleaner.api.clean_text(text, title=..., score=False)`, i.e. segmentation + the cleaning rules (the
  pipeline without its `score` step), ms per document and documents per second per core (= 1000 / ms);
- each scorer alone on the cleaned documents (language, readability, machine_translated, incoherent), in the
  pipeline's order (readability reads the language the language scorer set), "unseen": the first pass over
  the documents (their rarer words are new to the caches), and "cached": the fastest of the `--repeat` - 1
  later passes (every word seen before);
- all scorers: unseen = the sum of the scorers' first passes; cached = the pipeline's `score` step
  (`cleaner.pipeline.Scorer`, every installed scorer);
- cleaning + all scorers: unseen = cleaning + the scorers' first passes; cached = `clean_text(..., score=True)`,
  the whole text-mode pipeline; docs/s per core (target: at least 150);
- scorers / cleaning: the all-scorers time over the cleaning time (target: below 1);
- paired rounds (`paired_rounds`): six rounds of a cleaning pass and, right after it, all scorers together on each
  document in turn, as a batch runs them; the ratio of each round and their median (the machine's drift cancels
  out within a round; run together, the scorers evict each other's tables from the CPU's caches and cost more
  than their sum alone);
- the same ratio in HTML mode (`measure_html`, skipped with --no-html): the dev pages through `clean_html`, then
  all scorers on what is kept.
Cleaning is the fastest of its passes (it keeps no per-word cache). To compare two versions of the code, run
them alternately, a few times each: between runs, CPU time moves by 10-20% with the machine's load.

Accuracy (`--accuracy`; slow, it retrains models fold by fold):
- machine translation (bench/scorers_mt.py): ROC-AUC, precision and recall at the model's threshold and the
  share of human news flagged, on held-out years (train 2020-21, test 2022, and the reverse) and on the grid in
  which every document is scored by a model that never saw its MT system nor its source article, per system and
  per source language, beside a TF-IDF baseline; plus documents per second;
- incoherence (bench/scorers_coherence.py): ROC-AUC, precision and recall at the threshold for each kind of
  stitching (stitched bodies, swapped headlines) and difficulty, the share of coherent test articles and of
  professional human translations flagged, the seeds, and documents per second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core: no BLAS threads
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SHARED = ROOT.parent / "shared"
EXTRACTION = SHARED / "data" / "extraction" / "manifest.jsonl"
NEWS = SHARED / "data" / "news" / "docs.jsonl"
WARMUP = 300


def documents(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(documents to measure, warm-up documents): {"title", "text"} rows, all distinct."""
    if not EXTRACTION.exists() or not NEWS.exists():
        sys.exit(f"development data not found under {SHARED / 'data'}")
    rows = [json.loads(line) for line in EXTRACTION.read_text(encoding="utf-8").splitlines()]
    docs = [{"title": r.get("title"), "text": r["text"]} for r in rows if r.get("text")]
    news = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines()]
    news = [{"title": r.get("headline"), "text": r["text"]} for r in news if r.get("text")]
    warmup, news = news[-WARMUP:], news[:-WARMUP]
    docs = (docs + news)[:n]
    return docs, warmup


def _cpu_passes(fn, items: list, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """CPU ms per item of fn(item), for each of `repeat` passes over the items."""
    passes = []
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            fn(item)
        passes.append(1000 * (time.process_time() - start) / len(items))
    return passes


def measure_speed(n: int, repeat: int) -> dict[str, Any]:
    from cleaner.api import clean_text
    from cleaner.pipeline import SCORER_CLASSES, Scorer, load_scorers

    docs, warmup = documents(n)
    for row in warmup:  # load the rules, models, dictionaries and profiles; fill the caches of common words
        clean_text(row["text"], title=row["title"], score=True)

    def clean(row: dict[str, Any]) -> Any:
        return clean_text(row["text"], title=row["title"], score=False)

    def entry(passes: list[float], first: bool) -> dict[str, Any]:
        """The first pass (documents not seen before) or the fastest later one (their words all cached)."""
        ms = passes[0] if first or len(passes) == 1 else min(passes[1:])
        return {"ms_per_doc": round(ms, 3), "docs_per_s_per_core": round(1000 / ms, 1),
                "passes_ms": [round(p, 3) for p in passes]}

    results: dict[str, Any] = {
        "documents": len(docs),
        "warmup_documents": len(warmup),
        "mean_chars_in": round(statistics.mean(len(r["text"]) for r in docs)),
        "repeat": repeat,
    }
    clean_passes = _cpu_passes(clean, docs, repeat)
    cleaning = min(clean_passes)
    cleaned = [clean(row) for row in docs]
    results["mean_chars_cleaned"] = round(statistics.mean(len(d.text) for d in cleaned))
    results["cleaning"] = {"ms_per_doc": round(cleaning, 3), "docs_per_s_per_core": round(1000 / cleaning, 1),
                           "passes_ms": [round(p, 3) for p in clean_passes]}
    scorers: dict[str, Any] = {}
    for name in SCORER_CLASSES:
        passes = _cpu_passes(load_scorers([name])[0].run, cleaned, repeat)
        scorers[name] = {"unseen": entry(passes, True), "cached": entry(passes, False)}
    results["scorers"] = scorers
    unseen = sum(s["unseen"]["ms_per_doc"] for s in scorers.values())
    results["all_scorers"] = {
        "unseen": {"ms_per_doc": round(unseen, 3), "docs_per_s_per_core": round(1000 / unseen, 1),
                   "note": "sum of each scorer's first pass"},
        "cached": entry(_cpu_passes(Scorer().run, cleaned, repeat), False),
    }

    def clean_and_score(row: dict[str, Any]) -> Any:
        return clean_text(row["text"], title=row["title"], score=True)

    both = cleaning + unseen
    results["cleaning_and_scorers"] = {
        "unseen": {"ms_per_doc": round(both, 3), "docs_per_s_per_core": round(1000 / both, 1),
                   "note": "cleaning + the scorers' first passes"},
        "cached": entry(_cpu_passes(clean_and_score, docs, repeat), False),
    }
    results["scorers_over_cleaning"] = {
        "unseen": round(unseen / cleaning, 3),
        "cached": round(results["all_scorers"]["cached"]["ms_per_doc"] / cleaning, 3),
    }
    results["paired"] = paired_rounds(docs, PAIRED_ROUNDS)
    return results


#: rounds of paired_rounds: a cleaning pass, then all scorers together on what it kept
PAIRED_ROUNDS = 6


def paired_rounds(docs: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    """Scorers against cleaning as the pipeline runs them, measured so that the machine's drift cancels out: each
    round is a cleaning pass over the documents and, right after it, all scorers together on each document in
    turn (so that each scorer's tables are evicted by the others', as in a batch); the ratio of each round and
    their median. (The sums above time each scorer alone over all documents, its tables staying in the CPU's
    caches, and compare passes taken minutes apart.)"""
    from cleaner.api import clean_text
    from cleaner.pipeline import Scorer

    scorer = Scorer()
    rows = []
    for _ in range(rounds):
        start = time.process_time()
        cleaned = [clean_text(row["text"], title=row["title"], score=False) for row in docs]
        cleaning = 1000 * (time.process_time() - start) / len(docs)
        start = time.process_time()
        for doc in cleaned:
            scorer.run(doc)
        scoring = 1000 * (time.process_time() - start) / len(docs)
        rows.append({"cleaning_ms": round(cleaning, 3), "scorers_ms": round(scoring, 3),
                     "ratio": round(scoring / cleaning, 3), "docs_per_s_per_core": round(1000 / (cleaning + scoring), 1)})
    return {"rounds": rows, "median_ratio": statistics.median(r["ratio"] for r in rows),
            "median_docs_per_s_per_core": statistics.median(r["docs_per_s_per_core"] for r in rows)}


def measure_html(repeat: int) -> dict[str, Any]:
    """The same ratio in HTML mode: the 238 dev pages of ../shared/data/extraction through `clean_html`
    (score=False; trafilatura's vote, the DOM walk, the block model), then all scorers on what is kept
    (the first pass over the pages: their words are new to the caches). CPU ms per page, one core."""
    sys.path.insert(0, str(ROOT / "tools"))
    import train_blocks as tb

    from cleaner.api import clean_html
    from cleaner.pipeline import Scorer

    rows = [json.loads(line) for line in EXTRACTION.read_text(encoding="utf-8").splitlines()]
    pages = [(tb.decode_html((EXTRACTION.parent / r["html"]).read_bytes()), r.get("url")) for r in rows]
    for html, url in pages[:3]:  # load trafilatura, the HTML model
        clean_html(html, url=url, score=True)
    clean_passes = _cpu_passes(lambda page: clean_html(page[0], url=page[1], score=False), pages, repeat)
    cleaned = [clean_html(html, url=url, score=False) for html, url in pages]
    scoring = _cpu_passes(Scorer().run, cleaned, 1)[0]
    cleaning = min(clean_passes)
    return {"pages": len(pages), "cleaning_ms": round(cleaning, 2), "scorers_ms_unseen": round(scoring, 2),
            "scorers_over_cleaning": round(scoring / cleaning, 3),
            "mean_chars_cleaned": round(statistics.mean(len(d.text) for d in cleaned))}


def print_speed(res: dict[str, Any]) -> None:
    print(f"== speed: {res['documents']} news-length documents in text mode (mean {res['mean_chars_in']:,} "
          f"characters in, {res['mean_chars_cleaned']:,} after cleaning), after {res['warmup_documents']} other "
          f"articles; CPU time, one core")
    print("   unseen: first pass over the documents; cached: fastest of the later passes (every word seen)")
    print(f"{'':28s}{'unseen ms':>10s}{'docs/s':>8s}{'cached ms':>11s}{'docs/s':>8s}   passes (ms/doc)")

    def line(label: str, unseen: dict[str, Any], cached: dict[str, Any]) -> None:
        passes = " ".join(f"{p:.2f}" for p in cached.get("passes_ms", []))
        print(f"{label:28s}{unseen['ms_per_doc']:>10.2f}{unseen['docs_per_s_per_core']:>8.0f}"
              f"{cached['ms_per_doc']:>11.2f}{cached['docs_per_s_per_core']:>8.0f}   {passes}")

    line("cleaning (no scorers)", res["cleaning"], res["cleaning"])
    for name, entry in res["scorers"].items():
        line(f"  {name}", entry["unseen"], entry["cached"])
    line("all scorers", res["all_scorers"]["unseen"], res["all_scorers"]["cached"])
    line("cleaning + all scorers", res["cleaning_and_scorers"]["unseen"], res["cleaning_and_scorers"]["cached"])
    ratio = res["scorers_over_cleaning"]
    both = res["cleaning_and_scorers"]
    print(f"scorers / cleaning: {ratio['unseen']:.2f} unseen, {ratio['cached']:.2f} cached (target: below 1); "
          f"cleaning + all scorers {both['unseen']['docs_per_s_per_core']:.0f} / "
          f"{both['cached']['docs_per_s_per_core']:.0f} docs/s per core (target: at least 150)")
    paired = res.get("paired")
    if paired:
        ratios = " ".join(f"{r['ratio']:.2f}" for r in paired["rounds"])
        print(f"paired rounds (a cleaning pass, then all scorers together; {len(paired['rounds'])} rounds): scorers / "
              f"cleaning {ratios}, median {paired['median_ratio']:.2f}; "
              f"cleaning + all scorers median {paired['median_docs_per_s_per_core']:.0f} docs/s per core")
    html = res.get("html")
    if html:
        print(f"HTML mode ({html['pages']} dev pages, {html['mean_chars_cleaned']:,} characters kept on average): "
              f"cleaning {html['cleaning_ms']:.1f} ms a page, all scorers {html['scorers_ms_unseen']:.2f} ms "
              f"(first pass): scorers / cleaning {html['scorers_over_cleaning']:.2f}")


def run_accuracy() -> dict[str, Any]:
    import scorers_coherence
    import scorers_mt

    out: dict[str, Any] = {}
    print("\n== machine translation (bench/scorers_mt.py)", flush=True)
    out["machine_translated"] = scorers_mt.run_mt_bench(baseline=True)
    scorers_mt.print_report(out["machine_translated"])
    print("\n== incoherence (bench/scorers_coherence.py)", flush=True)
    out["incoherent"] = scorers_coherence.run_coherence_bench()
    print(json.dumps(out["incoherent"], indent=1))
    return out


def profile(name: str, n: int) -> None:
    import cProfile
    import pstats

    from cleaner.api import clean_text
    from cleaner.pipeline import Scorer, load_scorers

    docs, warmup = documents(n)
    for row in warmup:
        clean_text(row["text"], title=row["title"], score=True)
    if name == "clean":
        def fn(row: dict[str, Any]) -> None:
            clean_text(row["text"], title=row["title"], score=False)
        items: list = docs
    else:
        items = [clean_text(r["text"], title=r["title"], score=False) for r in docs]
        fn = Scorer().run if name == "all" else load_scorers([name])[0].run
    prof = cProfile.Profile()
    prof.enable()
    for item in items:
        fn(item)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500, help="documents to measure [500]")
    parser.add_argument("--repeat", type=int, default=3,
                        help="passes over the documents: the first is 'unseen', the fastest later one 'cached' [3]")
    parser.add_argument("--accuracy", action="store_true", help="also run the MT and incoherence accuracy tables")
    parser.add_argument("--json", help="write all numbers here")
    parser.add_argument("--no-html", action="store_true", help="skip the HTML-mode ratio (about a minute)")
    parser.add_argument("--profile", metavar="NAME", help="profile 'clean', 'all' or one scorer, and stop")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.n)
        return
    results: dict[str, Any] = {"speed": measure_speed(args.n, args.repeat)}
    if not args.no_html:
        results["speed"]["html"] = measure_html(2)
    print_speed(results["speed"])
    if args.accuracy:
        results["accuracy"] = run_accuracy()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
