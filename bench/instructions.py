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
"""

from __future__ import annotations

import argparse
import collections
import functools
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


def main(argv: list[str] | None = None) -> int:
    from cleaner.pipeline import SCORER_CLASSES

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100, help="documents counted [100]")
    ap.add_argument("--warmup", type=int, default=100, help="documents cleaned and scored first [100]")
    ap.add_argument("--scorer", choices=sorted(SCORER_CLASSES), help="count this scorer alone")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
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
                        *(["--scorer", args.scorer] if args.scorer else [])],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], check=True,
                                capture_output=True, text=True).stdout
    counts = {}
    for name, key in (("deque_extendleft", "cleaning"), ("functools_reduce", args.scorer or "all scorers")):
        match = re.search(r"^\s*([\d,]+) .*:" + name + r"\b", report, re.M)
        if match is None:
            sys.exit(f"callgrind reported no {name}: {report[:500]}")
        counts[key] = int(match.group(1).replace(",", "")) / args.n
    for key, value in counts.items():
        print(f"{key:12s} {value / 1e6:8.2f}M instructions a document")
    scored = args.scorer or "all scorers"
    print(f"{args.scorer or 'scorers'} / cleaning {counts[scored] / counts['cleaning']:.2f} "
          f"({args.n} documents after {args.warmup} warm-up ones)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
