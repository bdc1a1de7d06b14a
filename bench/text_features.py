"""Instructions a document for the block classifier's text features, counted by valgrind's callgrind.

The text features of a text-mode document (cleaner.classifier._text_matrix, and _text_part_of around it: the
per-block columns, the words' sets and the document columns) are the largest single cost of text cleaning. This
counts them alone, over the stripped lines of bench/scorers.py's news-length documents (segment_text, as the
cleaner splits them): a child process under callgrind warms up on other documents (the compiled core keeps the
words it saw), then counts one call, _text_matrix or _text_part_of over every document (inside
`collections.deque.extendleft`); one child for each, so that neither sees the documents before it is counted.
Needs valgrind.

    python bench/text_features.py             # 200 documents after 100 warm-up ones
    python bench/text_features.py --python    # classifier's Python code instead of cleaner._features_core
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTED = ("_text_matrix", "_text_part_of")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def stripped_lines(rows: list[dict]) -> list[tuple[str, ...]]:
    """Each document's blocks as the classifier sees them: segment_text's lines, stripped."""
    from cleaner.segment import segment_text

    return [tuple(b.text.strip() for b in segment_text(row["text"])) for row in rows]


def child(n: int, warmup: int, counted: str) -> None:
    """Run under callgrind with collection off; the toggled call is what is counted."""
    from scorers import documents

    from cleaner import classifier

    docs, warm = documents(n)
    measured = stripped_lines(docs)
    for texts in stripped_lines(warm[len(warm) - warmup:] if warmup else []):
        classifier._text_part_of(texts)
    if counted == "_text_matrix":
        calls = map(lambda texts: classifier._text_matrix(list(texts)), measured)
    else:
        calls = map(classifier._text_part_of, measured)
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    collections.deque(maxlen=0).extendleft(calls)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="documents counted [200]")
    ap.add_argument("--warmup", type=int, default=100, help="documents run first, not counted [100]")
    ap.add_argument("--python", action="store_true", help="count the classifier's Python code, not its compiled core")
    ap.add_argument("--child", choices=COUNTED, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        if args.python:
            from cleaner import classifier

            classifier._core = None
        child(args.n, args.warmup, args.child)
        return 0
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        print("valgrind is not installed (apt-get install valgrind); nothing to measure")
        return 0
    env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for counted in COUNTED:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "callgrind.out"
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
                            "--instr-atstart=no", "--toggle-collect=deque_extendleft", sys.executable, __file__,
                            "--child", counted, "--n", str(args.n), "--warmup", str(args.warmup),
                            *(["--python"] if args.python else [])],
                           check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            report = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], check=True,
                                    capture_output=True, text=True).stdout
        match = re.search(r"^\s*([\d,]+) .*:deque_extendleft\b", report, re.M)
        if match is None:
            sys.exit(f"callgrind reported no deque_extendleft: {report[:500]}")
        print(f"{counted:14s} {int(match.group(1).replace(',', '')) / args.n / 1e3:9.1f}K instructions a document")
    print(f"({args.n} documents after {args.warmup} warm-up ones"
          f"{'; Python code, no compiled core' if args.python else ''})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
