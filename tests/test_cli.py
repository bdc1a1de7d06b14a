"""The CLI is a thin layer over the library: its output equals the library's, its help has examples."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

import cleaner
from cleaner.cli import main
from cleaner.schemas import errors as schema_errors

SEED = ROOT / "fixtures" / "seeds" / "002_83d07605061ef0cb.txt"


@pytest.mark.parametrize("command", [["clean"], ["explain"], ["rules", "check"]])
def test_help_says_what_and_shows_an_example(command) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_clean_writes_valid_records_equal_to_the_library(tmp_path) -> None:
    out = tmp_path / "out.jsonl.gz"
    result = CliRunner().invoke(main, ["clean", str(SEED), "-o", str(out), "--no-score"])
    assert result.exit_code == 0, result.output
    import gzip

    records = [json.loads(line) for line in gzip.open(out, "rt")]
    assert len(records) == 1
    assert schema_errors("record", records[0]) == []
    doc = cleaner.clean_text(SEED.read_text(), id=SEED.stem)
    assert records[0]["text"] == doc.text
    assert records[0]["id"] == "002_83d07605061ef0cb"
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["read"] == 1 and summary["cleaned"] == 1 and summary["chars_removed"] > 0
    assert "read 1, cleaned 1" in result.output


def test_explain_marks_removals_with_rule_and_reason() -> None:
    result = CliRunner().invoke(main, ["explain", str(SEED), "--no-score"])
    assert result.exit_code == 0
    assert "- Related Articles" in result.output
    assert "removed by generic-en/related-section" in result.output
    assert "removed by generic-en/newsletter-signup" in result.output


def test_stdin_to_stdout() -> None:
    line = json.dumps({"id": "s", "text": SEED.read_text()})
    result = CliRunner().invoke(main, ["clean", "-", "-o", "-", "--no-score", "--errors", "/dev/null",
                                       "--summary", "/dev/null"], input=line + "\n")
    assert result.exit_code == 0
    record = json.loads(result.stdout.splitlines()[0])
    assert record["id"] == "s" and "Related Articles" not in record["text"]


def test_bad_rule_pack_is_a_clear_error(tmp_path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text("id: bad\ndescription: x\nrules:\n  - {id: r, kind: line, pattern: '(a)\\1', reason: why}\n")
    result = CliRunner().invoke(main, ["clean", str(SEED), "-o", str(tmp_path / "o.jsonl"), "--rules", str(pack)])
    assert result.exit_code != 0 and "not valid RE2" in result.output


def test_dedup_command_clusters_a_syndicated_copy_and_not_the_seeds(tmp_path) -> None:
    """Four seeds are different articles on one story: they stay apart; a syndicated copy of one joins it."""
    seeds = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
    cleaned = tmp_path / "clean.jsonl"
    assert CliRunner().invoke(main, ["clean", *map(str, seeds), "-o", str(cleaned), "--no-score"]).exit_code == 0
    records = [json.loads(line) for line in cleaned.read_text().splitlines()]
    copy = dict(records[2], id="copy-of-002", source="copier.example", date="2025-09-10")
    copy["text"] = "This story first appeared on The Guardian.\n" + copy["text"].replace("'", "’")
    original = dict(records[2], date="2025-09-03", source="origin.example")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in [*records[:2], original, *records[3:], copy]))
    out, index = tmp_path / "dedup.jsonl", tmp_path / "index.sqlite"
    result = CliRunner().invoke(main, ["dedup", str(batch), "-o", str(out), "--index", str(index)])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows["copy-of-002"]["dedup"]["canonical"] == "002_83d07605061ef0cb"
    assert rows["copy-of-002"]["dedup"]["is_canonical"] is False
    assert all(rows[s.stem]["dedup"]["is_canonical"] for s in seeds)
    assert len({rows[s.stem]["dedup"]["cluster"] for s in seeds}) == 5
    assert "1 duplicates in 1 clusters" in result.output
    for row in rows.values():
        assert schema_errors("record", row) == []
    # a second batch with different parameters is refused, clearly
    again = CliRunner().invoke(main, ["dedup", str(batch), "-o", str(out), "--index", str(index), "--threshold", "0.9"])
    assert again.exit_code != 0 and "threshold" in again.output


def test_clean_with_dedup_index_finds_a_copy_from_an_earlier_batch(tmp_path) -> None:
    """`cleaner clean --dedup-index`: batch two is checked against batch one's index, output compressed or not."""
    week1 = tmp_path / "week1"
    week1.mkdir()
    (week1 / "original.txt").write_text(SEED.read_text())
    week2 = tmp_path / "week2"
    week2.mkdir()
    # a trimmed copy with other quotes: the original is the more complete text, so it stays canonical
    copy = SEED.read_text().replace(" – reviving a proposal first put forward by Russian negotiators during talks in "
                                    "Turkey in spring 2022", "").replace("'", "’")
    assert copy.replace("’", "'") != SEED.read_text()
    (week2 / "copy.txt").write_text(copy)
    (week2 / "other.txt").write_text((ROOT / "fixtures" / "seeds" / "001_4af4492decbad57a.txt").read_text())
    index = tmp_path / "index.sqlite"
    first = CliRunner().invoke(main, ["clean", str(week1), "-o", str(tmp_path / "w1.jsonl"), "--no-score",
                                      "--dedup-index", str(index)])
    assert first.exit_code == 0, first.output
    out = tmp_path / "w2.jsonl.gz"
    second = CliRunner().invoke(main, ["clean", str(week2), "-o", str(out), "--no-score",
                                       "--dedup-index", str(index)])
    assert second.exit_code == 0, second.output
    import gzip

    rows = {r["id"]: r for r in map(json.loads, gzip.open(out, "rt"))}
    assert rows["copy"]["dedup"]["canonical"] == "original" and rows["copy"]["dedup"]["is_canonical"] is False
    assert rows["other"]["dedup"]["is_canonical"] is True and rows["other"]["dedup"]["cluster"] == "other"
    for row in rows.values():
        assert schema_errors("record", row) == []
    summary = json.loads((tmp_path / "w2.summary.json").read_text())
    assert schema_errors("summary", summary) == []
    assert summary["dedup"]["duplicates"] == 1 and summary["dedup"]["records"] == 2
    refused = CliRunner().invoke(main, ["clean", str(week2), "-o", "-", "--dedup-index", str(index)])
    assert refused.exit_code != 0 and "output file" in refused.output
