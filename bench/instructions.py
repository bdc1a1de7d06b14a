"""Instructions a document for text-mode cleaning and for all scorers, counted by valgrind's callgrind.

CPU time on a shared or virtual machine moves by 20-50% between runs of the same code; instruction counts do
not, so a speed change is judged by them (bench/scorers.py gives the times). The documents are bench/scorers.py's
(news-length texts with their headlines from ../shared/data). A child process under callgrind cleans a warm-up
set, then counts only two calls: cleaning the measured documents (inside `collections.deque.extendleft`) and
scoring them (inside `functools.reduce`), so imports, model loading and the warm-up are left out. Needs valgrind
(`apt-get install valgrind`).

    python bench/instructions.py                   # 100 documents after 100 warm-up ones (~2 minutes)
    python bench/instructions.py --n 200 --warmup 0
    python bench/instructions.py --scorer language  # one scorer alone in place of all of them
    python bench/instructions.py --html             # HTML mode: clean_html against trafilatura.extract,
                                                    # 60 dev pages after 5 warm-up ones (~5 minutes)
    python bench/instructions.py --python           # the Python code of the compiled cores instead of them
    python bench/instructions.py --news             # cleaning alone, bench/scale.py's news-length documents
    python bench/instructions.py --batch            # the same documents through run_batch (read, clean, write)
    python bench/instructions.py --pages            # cleaning alone, the dev pages' naive text (real chrome)

With --html the two counted calls are cleaner.clean_html and trafilatura.extract (its defaults, as in
bench/extraction.py) over the same decoded pages of ../shared/data/extraction, in manifest order.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


#: the modules with a compiled core (tools/build_native.py): each calls it through its `_core`, None for its Python code
COMPILED = ("cleaner.scorers.language", "cleaner.scorers.readability", "cleaner.scorers.mt", "cleaner.scorers.coherence",
            "cleaner.terms", "cleaner.classifier", "cleaner.segment", "cleaner.prose", "cleaner.write")


def use_python_code() -> None:
    """Make every module with a compiled core run its Python code (the reference and fallback) instead."""
    import importlib

    for name in COMPILED:
        module = importlib.import_module(name)
        for attribute in ("_core", "_tree_core"):  # (the classifier has two: its text features and its trees)
            if hasattr(module, attribute):
                setattr(module, attribute, None)


def child(n: int, warmup: int, scorer_name: str | None = None) -> None:
    """Run under callgrind with collection off; the two toggled calls are what is counted. `scorer_name`: count
    that scorer alone (readability reads the language, so the language scorer runs first, not counted)."""
    from scorers import documents

    from cleaner.api import clean_text
    from cleaner.pipeline import Scorer, load_scorers

    docs, warm = documents(n)
    for row in warm[len(warm) - warmup:] if warmup else []:
        clean_text(row["text"], title=row["title"], score=True)
    scorer = Scorer() if scorer_name is None else load_scorers([scorer_name])[0]
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    cleaned: list = []
    collections.deque(maxlen=0).extendleft(
        map(lambda row: cleaned.append(clean_text(row["text"], title=row["title"], score=False)), docs))
    if scorer_name not in (None, "language"):
        language = load_scorers(["language"])[0]
        for doc in cleaned:
            language.run(doc)
    functools.reduce(lambda _, doc: scorer.run(doc), cleaned, None)


def child_html(n: int, warmup: int) -> None:
    """HTML mode under callgrind: `warmup` pages through both systems, then n pages counted for each."""
    sys.path.insert(0, str(ROOT / "tools"))
    import trafilatura
    import train_blocks as tb

    import cleaner

    pages = [(tb.decode_html((tb.DATA / r["html"]).read_bytes()), r.get("url")) for r in tb.load_manifest()]
    pipeline = cleaner.Pipeline.default([], score=False)
    for html, url in pages[:warmup]:
        cleaner.clean_html(html, url=url, pipeline=pipeline)
        trafilatura.extract(html, url=url)
    counted = pages[warmup:warmup + n]
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    collections.deque(maxlen=0).extendleft(
        map(lambda page: cleaner.clean_html(page[0], url=page[1], pipeline=pipeline), counted))
    functools.reduce(lambda _, page: trafilatura.extract(page[0], url=page[1]), counted, None)


def child_news(n: int, warmup: int, mode: str = "news") -> None:
    """Cleaning alone (segmentation, rules, block model: `cleaner clean --no-score`) of bench/scale.py's
    news-length documents (the dev pages' article bodies, most without a headline given), each counted the first
    time it is seen; the warm-up is other documents (bench/scorers.py's), so the rule packs' automata are warm
    but no answer about a counted text is cached, as in a long batch of distinct pages."""
    import scale
    from scorers import documents

    from cleaner.pipeline import Pipeline

    pipeline = Pipeline.default(score=False)
    for i, row in enumerate(documents(warmup)[0]):
        pipeline.process(scale._document(row, "news", i))
    rows = scale.base_documents(mode)[:n]
    docs = [scale._document(row, mode, i) for i, row in enumerate(rows)]
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    collections.deque(maxlen=0).extendleft(map(pipeline.process, docs))


def child_batch(n: int, warmup: int) -> None:
    """A whole batch through run_batch, as `cleaner clean --no-score` runs one: reading a zstd JSONL file, cleaning,
    writing each record with its removals' reasons. The counted batch is bench/scale.py's first n news-length
    documents (each distinct, its "Copy N" first line included); a warm-up batch of other documents (bench/scorers.py's)
    runs first, so the rule packs' automata are warm but no answer about a counted text is cached."""
    import scale
    import zstandard
    from scorers import documents

    from cleaner.api import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        warm = [json.dumps({"id": f"warm-{i}", "title": r["title"], "text": r["text"]}, ensure_ascii=False)
                for i, r in enumerate(documents(warmup)[0])]
        paths = []
        for name, lines in (("warm", warm[1:]), ("counted", list(scale.variants("news", n))), ("one", warm[:1])):
            path = Path(tmp) / f"{name}.jsonl.zst"
            with zstandard.open(path, "wt", encoding="utf-8") as out:
                out.writelines(line + "\n" for line in lines)
            paths.append(path)

        def batch(path: Path) -> object:
            return run_batch([str(path)], str(Path(tmp) / path.name.split(".")[0] / "out.jsonl"), score=False,
                             workers=1)  # (the default chunk size, as `cleaner clean` runs)

        batch(paths[0])
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
        collections.deque(maxlen=0).extendleft(map(batch, paths[1:2]))
        # a batch of one document: what a run costs whatever its size (fingerprinting the models and rule packs,
        # the manifest, merging the parts, the summary), counted apart so that it is not spread over the n
        functools.reduce(lambda _, path: batch(path), paths[2:], None)


def main(argv: list[str] | None = None) -> int:
    from cleaner.pipeline import SCORER_CLASSES

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, help="documents counted [100; --html: 60 pages]")
    ap.add_argument("--warmup", type=int, help="documents cleaned and scored first [100; --html: 5 pages]")
    ap.add_argument("--scorer", choices=sorted(SCORER_CLASSES), help="count this scorer alone")
    ap.add_argument("--html", action="store_true", help="HTML mode: clean_html against trafilatura.extract on dev pages")
    ap.add_argument("--news", action="store_true", help="cleaning alone on bench/scale.py's news-length documents "
                    "(issue 8's 1,000 documents a second per core), 300 warm-up documents of bench/scorers.py")
    ap.add_argument("--pages", action="store_true", help="cleaning alone on the dev pages' naive text (bench/scale.py's "
                    "'text' documents: real pages' menus, teasers and footers around the article)")
    ap.add_argument("--batch", action="store_true", help="a whole batch (run_batch: read, clean, write the records) "
                    "of bench/scale.py's news-length documents, after a warm-up batch of bench/scorers.py's")
    ap.add_argument("--python", action="store_true", help="count the Python code of the compiled cores instead")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.n is None:
        args.n = 60 if args.html else 100
    if args.warmup is None:
        args.warmup = 5 if args.html else 300 if args.news or args.batch or args.pages else 100
    if args.html and not (ROOT.parent / "shared" / "data" / "extraction" / "manifest.jsonl").exists():
        print("../shared/data/extraction is absent on this machine; nothing to measure")
        return 0
    if args.child:
        if args.python:
            use_python_code()
        if args.html:
            child_html(args.n, args.warmup)
        elif args.news or args.pages:
            child_news(args.n, args.warmup, "text" if args.pages else "news")
        elif args.batch:
            child_batch(args.n, args.warmup)
        else:
            child(args.n, args.warmup, args.scorer)
        return 0
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        print("valgrind is not installed (apt-get install valgrind); nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
                        "--instr-atstart=no", "--toggle-collect=deque_extendleft",
                        "--toggle-collect=functools_reduce", sys.executable, __file__, "--child",
                        "--n", str(args.n), "--warmup", str(args.warmup),
                        *(["--scorer", args.scorer] if args.scorer else []), *(["--html"] if args.html else []),
                        *(["--news"] if args.news else []), *(["--batch"] if args.batch else []),
                        *(["--pages"] if args.pages else []),
                        *(["--python"] if args.python else [])],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], check=True,
                                capture_output=True, text=True).stdout
    counts = {}
    names = ("cleaner", "trafilatura") if args.html else ("cleaning",) if args.news or args.pages else ("batch", "one-document batch") if args.batch else \
        ("cleaning", args.scorer or "all scorers")
    for name, key in zip(("deque_extendleft", "functools_reduce")[:len(names)], names, strict=True):
        match = re.search(r"^\s*([\d,]+) .*:" + name + r"\b", report, re.M)
        if match is None:
            sys.exit(f"callgrind reported no {name}: {report[:500]}")
        counts[key] = int(match.group(1).replace(",", "")) / (1 if key == "one-document batch" else args.n)
    unit = "page" if args.html else "document"
    for key, value in ({} if args.batch else counts).items():
        print(f"{key:12s} {value / 1e6:8.2f}M instructions a {unit}")
    if args.html:
        print(f"cleaner's pages per instruction / trafilatura's {counts['trafilatura'] / counts['cleaner']:.2f} "
              f"({args.n} pages after {args.warmup} warm-up ones)")
        return 0
    if args.batch:
        one = counts.pop("one-document batch")
        per_document = (counts["batch"] * args.n - one) / (args.n - 1)
        fixed = one - per_document
        print(f"{'a document':12s} {per_document / 1e6:8.2f}M instructions (the run's fixed cost left out)")
        print(f"{'a run':12s} {fixed / 1e6:8.2f}M instructions whatever its size")
        print(f"(run_batch over bench/scale.py's news-length documents, reading and writing included, {args.n} counted "
              f"after a batch of {args.warmup} others, then a batch of one other document: a document is the n's "
              f"cost less that batch's, over n - 1; 1,000 documents a second per core is "
              f"{per_document / 1e6:.2f}G instructions a second in a long batch)")
        return 0
    if args.pages:
        print(f"(the dev pages' naive text, {args.n} counted after {args.warmup} warm-up news documents)")
        return 0
    if args.news:
        print(f"(bench/scale.py's news-length documents, {args.n} counted after {args.warmup} warm-up ones; 1,000 "
              f"documents a second per core is {counts['cleaning'] / 1e6:.2f}G instructions a second)")
        return 0
    scored = args.scorer or "all scorers"
    print(f"{args.scorer or 'scorers'} / cleaning {counts[scored] / counts['cleaning']:.2f} "
          f"({args.n} documents after {args.warmup} warm-up ones{'; Python code, no compiled core' if args.python else ''})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
