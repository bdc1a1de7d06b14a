"""Rebuild fixtures/seeds/ from ../shared/seeds: each seed article and its expected output.

The expected output comes from the line-by-line gold labels (title, date, body, drop), not from cleaner's own
output, so the regression test in tests/test_seeds.py checks cleaner against people's judgement.

    python tools/make_seed_fixtures.py [--seeds ../shared/seeds]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--out", type=Path, default=ROOT / "fixtures" / "seeds")
    args = parser.parse_args()
    if not args.seeds.is_dir():
        raise SystemExit(f"no seeds at {args.seeds}")
    expected_all = json.loads((args.seeds / "expected.json").read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    for gold in sorted(args.seeds.glob("*.gold.tsv")):
        stem = gold.name[: -len(".gold.tsv")]
        shutil.copyfile(args.seeds / f"{stem}.txt", args.out / f"{stem}.txt")
        labels = [line.partition("\t") for line in gold.read_text(encoding="utf-8").splitlines()]
        by = {kind: [text for lab, _, text in labels if lab == kind] for kind in ("title", "date", "body", "drop")}
        want = expected_all.get(f"{stem}.txt", {})
        expected = {
            "id": stem,
            "title": by["title"][0].strip() if by["title"] else None,
            "date": want.get("date"),
            "language": want.get("language"),
            "flags": want.get("flags", {}),
            "body": [t.strip() for t in by["body"]],
            "boilerplate": [t.strip() for t in by["drop"]],
        }
        (args.out / f"{stem}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(f"{stem}: {len(expected['body'])} body lines, {len(expected['boilerplate'])} boilerplate lines")


if __name__ == "__main__":
    main()
