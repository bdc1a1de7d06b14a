"""Scale benchmark: documents per second per core and peak memory of `run_batch`, at 1 and 2 workers, in text
and HTML mode; text-mode cleaning of news-length documents (the issue's target: 1,000 documents per second per
core, block model on); memory growth from 10k to 1M documents; then cleaning alone vs cleaning + all scorers.

Documents are generated from the development data (../shared/data/extraction: text/*.txt for text mode, the
html/ pages for HTML mode, the manifest's article bodies for news-length text), each copy made distinct by its
id and a numbered first line, streamed into a zstd-compressed JSONL file in a temporary folder (repeats compress
to almost nothing, so a million documents take little disk). Every measurement runs in a fresh child process:
its CPU time (user + system, itself and its workers) and peak RSS (ru_maxrss of itself and, separately, of its
largest worker) are the kernel's, whatever else the machine runs. "docs/s per core" = documents / CPU seconds;
"docs/s wall" also depends on how many cores were free. Two workers scale well when their docs/s per core stays
that of one worker: then two free cores give twice the throughput.

    .venv/bin/python bench/scale.py --quick                     # a few minutes
    .venv/bin/python bench/scale.py --only news --quick         # the news-length numbers alone (a minute)
    .venv/bin/python bench/scale.py --json bench/scale.json     # the full run (10k/100k/1M; hours)
    .venv/bin/python bench/scale.py --profile [news|news+chrome|text|html]  # where cleaning's time goes

News-length documents: the manifest's article bodies (3,000-5,000 characters typically), as they come ('news')
and wrapped in the chrome a scraped news page carries: menu, share bar, advertisement, related stories,
newsletter promo, copyright ('news+chrome'). "Cleaning alone" is segmentation + rules + the block model, as
`cleaner clean --no-score` runs it; it is measured twice: in one process on documents already in memory (CPU
time; loading the models excluded: the steady state of a long batch), and through `run_batch` (reading the
zstd JSONL, workers, writing the output: what a user's batch costs per document).

Every child process imports the pipeline's modules and loads the models before its clock starts, so a
measurement of a few hundred documents is not dominated by a one-time second of imports.

The memory series runs the real reading, chunking, executor and writing with a light pipeline (segmentation only,
`--memory-steps`), because a million documents through the full cleaner take hours at its current speed; the
throughput series runs the full pipeline on fewer documents.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "extraction"


# --- documents ----------------------------------------------------------------------------------------------------


def base_documents(mode: str) -> list[dict[str, Any]]:
    """The development pages, as JSONL rows: 'text' (naive page text), 'html' (raw pages), 'news' (article
    bodies from the manifest: news-length text) or 'news+chrome' (those bodies inside a news page's chrome)."""
    if not DATA.exists():
        sys.exit(f"development data not found at {DATA}")
    if mode == "text":
        return [{"text": p.read_text(encoding="utf-8")} for p in sorted((DATA / "text").glob("*.txt"))]
    rows = [json.loads(line) for line in (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    if mode == "news":
        return [{"title": r.get("title"), "text": r["text"]} for r in rows if r.get("text")]
    if mode == "news+chrome":
        return [{"title": r.get("title"), "text": with_chrome(r["text"], r.get("title"), i)}
                for i, r in enumerate(r for r in rows if r.get("text"))]
    return [{"html": gzip.decompress((DATA / r["html"]).read_bytes()).decode("utf-8", "replace"), "url": r["url"]}
            for r in rows]


_MENU = ["Home", "World", "Politics", "Business", "Technology", "Science", "Sport", "Culture", "Opinion"]
_TEASERS = ["Council approves new budget after marathon session", "Storm leaves thousands without power",
            "Rail strike talks to resume next week", "Hospital waiting lists reach record high",
            "Local team wins cup in dramatic final", "Scientists map the ocean floor in new detail"]


def with_chrome(body: str, title: str | None, i: int) -> str:
    """A news article body inside the chrome of a scraped page: a menu above the headline, a byline and a
    share bar, an advertisement half-way, related stories, a newsletter promo and a copyright line below."""
    paragraphs = [p for p in body.split("\n") if p.strip()]
    half = (len(paragraphs) + 1) // 2
    teasers = [_TEASERS[(i + k) % len(_TEASERS)] for k in range(3)]
    lines = (["Skip to main content", " | ".join(_MENU[: 5 + i % 4]), "Search"]
             + ([title] if title else [])
             + [f"By Staff Reporter | {1 + i % 28} March 2025", "Share this article", *paragraphs[:half],
                "Advertisement", *paragraphs[half:], "Related Articles", *teasers,
                "Sign up to our morning newsletter", "© 2025 Example Media. All rights reserved."])
    return "\n\n".join(lines)


def variants(mode: str, n: int) -> Iterator[str]:
    """n distinct JSONL lines cycling over the base documents."""
    base = base_documents(mode)
    for i in range(n):
        row = dict(base[i % len(base)])
        row["id"] = f"{mode}-{i}"
        key = "html" if mode == "html" else "text"
        row[key] = (f"<!-- copy {i} -->" if mode == "html" else f"Copy {i}\n") + row[key]
        yield json.dumps(row, ensure_ascii=False)


def make_input(folder: Path, mode: str, n: int) -> Path:
    import zstandard

    path = folder / f"{mode}-{n}.jsonl.zst"
    if not path.exists():
        with zstandard.open(path, "wt", encoding="utf-8", cctx=zstandard.ZstdCompressor(level=3)) as out:
            for line in variants(mode, n):
                out.write(line + "\n")
    return path


# --- one measurement, in a child process --------------------------------------------------------------------------


def peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across exec, so a child started by a big
    parent would report the parent's size; VmHWM belongs to the new address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(args: argparse.Namespace) -> None:
    """Run one batch and print its measurements as JSON (called as `scale.py --child ...`)."""
    sys.path.insert(0, str(ROOT))
    from cleaner.api import run_batch
    from cleaner.pipeline import Pipeline, Segmenter

    pipeline = None
    if args.steps == "segment":
        pipeline = Pipeline([Segmenter()])
    elif args.steps == "none":
        pipeline = Pipeline([])
    warm_imports(args.steps)
    out = Path(args.out)
    started = time.perf_counter()
    cpu0 = os.times()
    summary = run_batch([args.input], str(out), score=args.steps == "score", workers=args.workers,
                        pipeline=pipeline, chunk_size=args.chunk_size, resume=not args.no_resume,
                        doc_timeout=args.doc_timeout, scorers=None)
    wall = time.perf_counter() - started
    cpu1 = os.times()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system) + (cpu1.children_user - cpu0.children_user) + (
        cpu1.children_system - cpu0.children_system)
    print(json.dumps({
        "docs": summary.read, "errors": summary.errors, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "parent_cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 3),
        "docs_per_s_wall": round(summary.read / wall, 2), "docs_per_s_per_core": round(summary.read / cpu, 2),
        "peak_rss_mb": round(peak_rss_kb() / 1024, 1), "peak_worker_rss_mb": round(kids.ru_maxrss / 1024, 1),
        "errors_by_kind": dict(summary.errors_by_kind),
        "steps": summary.steps,
    }))
    for path in out.parent.glob(out.name + "*"):
        path.unlink()


def warm_imports(steps: str) -> None:
    """Import what the batch will import, load the models and build what they build on first use (tables,
    tree masks; trafilatura for the page), outside the measurement: run_batch's own warm-up, a text and a page
    through the pipeline (a one-time cost of about a second that would otherwise weigh on a few hundred
    documents; workers still pay their own)."""
    import cleaner.html  # noqa: F401 - run_batch's warm-up parses a page: trafilatura, lxml, htmldate

    if steps in ("clean", "score"):
        from cleaner.executors import warm_up
        from cleaner.pipeline import Pipeline

        warm_up(Pipeline.default(score=steps == "score"))


def measure(tmp: Path, mode: str, n: int, workers: int, steps: str, chunk_size: int) -> dict[str, Any]:
    source = make_input(tmp, mode, n)
    cmd = [sys.executable, __file__, "--child", "--input", str(source), "--out", str(tmp / "out" / "o.jsonl"),
           "--workers", str(workers), "--steps", steps, "--chunk-size", str(chunk_size)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update({"mode": mode, "n": n, "workers": workers, "pipeline": steps})
    line = (f"{mode:11} {steps:8} n={n:>9,} workers={workers}: {result['docs_per_s_per_core']:>9.1f} docs/s per core, "
            f"{result['docs_per_s_wall']:>9.1f} docs/s wall, peak RSS {result['peak_rss_mb']:.0f} MB "
            f"(largest worker {result['peak_worker_rss_mb']:.0f} MB), {result['wall_s']:.1f} s, "
            f"parent {result['parent_cpu_s'] / result['cpu_s']:.0%} of the CPU")
    print(line, flush=True)
    return result


def profile(mode: str, n: int) -> None:
    """cProfile of the cleaning steps alone, in this process, on n documents: where the time goes."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from cleaner.document import Document
    from cleaner.pipeline import Pipeline

    rows = base_documents(mode)[:n]
    pipeline = Pipeline.default(score=False)
    pipeline.process(Document(id="w", input="w", format="text", raw="Warm up\n\nText of the warm-up."))
    docs = [_document(r, mode, i) for i, r in enumerate(rows)]
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    for doc in docs:
        pipeline.process(doc)
    prof.disable()
    wall = time.perf_counter() - started
    print(f"{len(docs)} {mode} documents, {wall:.2f} s under the profiler ({len(docs) / wall:.1f} docs/s); "
          f"mean {sum(len(d.raw) for d in docs) / len(docs):,.0f} characters")
    print({k: v.to_dict() for k, v in pipeline.stats.items()})
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def _document(row: dict[str, Any], mode: str, i: int) -> Any:
    """A Document as the readers make it from a JSONL row (the row's title is the input title)."""
    from cleaner.document import Document

    doc = Document(id=str(i), input="p", format="html" if mode == "html" else "text",  # type: ignore[arg-type]
                   raw=row.get("html") or row["text"], url=row.get("url"))
    if row.get("title"):
        doc.meta["input_title"] = row["title"]
    return doc


def steady_cleaning(mode: str, n: int, passes: int = 3) -> dict[str, Any]:
    """Cleaning alone (segment + rules + block model, no scorers), in this process, on n documents already in
    memory: CPU seconds per document, the best of `passes` passes (other work on the machine only slows a
    pass down), after a warm-up that loads the models."""
    sys.path.insert(0, str(ROOT))
    from cleaner.document import Document
    from cleaner.pipeline import Pipeline

    rows = base_documents(mode)
    rows = [rows[i % len(rows)] for i in range(n)]
    pipeline = Pipeline.default(score=False)
    for i, row in enumerate(rows[:20]):
        pipeline.process(_document(row, mode, i))
    best = float("inf")
    blocks = 0
    for _ in range(passes):
        docs: list[Document] = [_document(row, mode, i) for i, row in enumerate(rows)]
        started = time.process_time()
        for doc in docs:
            pipeline.process(doc)
        best = min(best, time.process_time() - started)
        blocks = sum(len(d.blocks) for d in docs)
    return {"mode": mode, "n": n, "mean_chars": round(sum(len(r.get("html") or r["text"]) for r in rows) / n),
            "mean_blocks": round(blocks / n, 1), "cpu_ms_per_doc": round(best / n * 1000, 3),
            "docs_per_s_per_core": round(n / best, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--profile", nargs="?", const="text", choices=["text", "news", "news+chrome", "html"],
                        help="profile cleaning of these documents (default: text) and stop")
    parser.add_argument("--memory-steps", default="segment", choices=["none", "segment", "clean"],
                        help="pipeline for the 10k/100k/1M memory series [segment]")
    parser.add_argument("--sizes", help="memory series sizes, comma-separated [10000,100000,1000000]")
    parser.add_argument("--tmp", help="folder for the generated inputs [a temporary folder]")
    parser.add_argument("--only", choices=["throughput", "news", "memory", "scorers"], help="run one series")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--steps", default="clean", help=argparse.SUPPRESS)
    parser.add_argument("--chunk-size", type=int, default=256, help=argparse.SUPPRESS)
    parser.add_argument("--doc-timeout", type=float, default=60.0, help=argparse.SUPPRESS)
    parser.add_argument("--no-resume", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.profile:
        profile(args.profile, 60)
        return
    quick = args.quick
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [2_000, 10_000, 25_000] if quick else [10_000, 100_000, 1_000_000])
    throughput_n = {"text": 120 if quick else 2_000, "html": 40 if quick else 400}
    news_n = 240 if quick else 2_000
    scorer_n = 60 if quick else 500
    results: dict[str, Any] = {"quick": quick, "cpus": os.cpu_count(), "load_before": os.getloadavg(),
                               "throughput": [], "news": [], "memory": [], "scorers": []}
    owned = tempfile.TemporaryDirectory(prefix="cleaner-scale-") if not args.tmp else None
    tmp = Path(args.tmp or owned.name)  # type: ignore[union-attr]
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        print("== throughput: full cleaning (no scorers), 1 and 2 workers", flush=True)
        for mode, n in throughput_n.items() if args.only in (None, "throughput") else ():
            one = measure(tmp, mode, n, 1, "clean", 16)
            two = measure(tmp, mode, n, 2, "clean", 16)
            scaling = two["docs_per_s_per_core"] / one["docs_per_s_per_core"]
            print(f"      2 workers keep {scaling:.0%} of one worker's docs/s per core (≥ 90% means ≥ 1.8× on two "
                  f"free cores); wall speed-up here {two['docs_per_s_wall'] / one['docs_per_s_wall']:.2f}×",
                  flush=True)
            results["throughput"] += [one, two, {"mode": mode, "per_core_scaling": round(scaling, 3)}]
        print("== text mode, news-length documents: cleaning alone (segment + rules + block model, no scorers), "
              "1 worker; the target is ≥ 1,000 docs/s per core", flush=True)
        for mode in ("news", "news+chrome") if args.only in (None, "news") else ():
            steady = steady_cleaning(mode, news_n)
            batch = measure(tmp, mode, news_n, 1, "clean", 16)
            print(f"      {mode:11} steady state, one process: {steady['docs_per_s_per_core']:>7.1f} docs/s per core "
                  f"({steady['cpu_ms_per_doc']:.2f} ms CPU per document; {steady['mean_chars']:,} characters, "
                  f"{steady['mean_blocks']} blocks on average); through run_batch: "
                  f"{batch['docs_per_s_per_core']:.1f} docs/s per core", flush=True)
            results["news"] += [{**steady, "measured": "steady state, in process"},
                                {**batch, "measured": "run_batch"}]
        print(f"== memory: {args.memory_steps} pipeline, streaming {', '.join(f'{s:,}' for s in sizes)} documents",
              flush=True)
        for workers in (1, 2) if args.only in (None, "memory") else ():
            series = [measure(tmp, "text", n, workers, args.memory_steps, 256) for n in sizes]
            base = series[0]
            for row in series[1:]:
                growth = row["peak_rss_mb"] / base["peak_rss_mb"] - 1
                wgrowth = (row["peak_worker_rss_mb"] / base["peak_worker_rss_mb"] - 1) if workers > 1 else None
                row["rss_growth_vs_first"] = round(growth, 4)
                row["worker_rss_growth_vs_first"] = None if wgrowth is None else round(wgrowth, 4)
                print(f"      {row['n']:,} vs {base['n']:,} documents, {workers} worker(s): peak RSS {growth:+.1%}"
                      + ("" if wgrowth is None else f", largest worker {wgrowth:+.1%}"), flush=True)
            results["memory"] += series
        print("== cleaning alone vs cleaning + all scorers, text mode, news-length documents, 1 worker", flush=True)
        if args.only in (None, "scorers"):
            alone = measure(tmp, "news", scorer_n, 1, "clean", 16)
            scored = measure(tmp, "news", scorer_n, 1, "score", 16)
            results["scorers"] = [alone, scored]
            print(f"      scorers cost {1 / scored['docs_per_s_per_core'] - 1 / alone['docs_per_s_per_core']:.4f} "
                  f"CPU s per document; errors with scorers: {scored['errors_by_kind'] or 'none'}", flush=True)
            print("      steady state, one process (CPU time; loading excluded; bench/scorers.py's measurement):",
                  flush=True)
            from scorers import measure_speed  # bench/scorers.py

            speed = measure_speed(scorer_n, repeat=2)
            steady = {"cleaning (segment + clean)": speed["cleaning"]["ms_per_doc"]}
            steady |= {name: s["cached"]["ms_per_doc"] for name, s in speed["scorers"].items()}
            for name, ms in steady.items():
                print(f"      {name:28} {ms:8.2f} ms per document", flush=True)
            results["steady_ms"] = steady
            both = speed["cleaning_and_scorers"]["cached"]["docs_per_s_per_core"]
            print(f"      → cleaning alone {speed['cleaning']['docs_per_s_per_core']:.0f} docs/s per core; cleaning + "
                  f"all scorers {both:.0f} docs/s per core", flush=True)
    finally:
        results["load_after"] = os.getloadavg()
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        if owned is not None:
            owned.cleanup()


if __name__ == "__main__":
    main()
