"""Every file cleaner writes validates against its schema in schemas/, and the schemas themselves are valid."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from jsonschema import Draft202012Validator

from cleaner.api import run_batch
from cleaner.schemas import errors as schema_errors

SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_json_schema(path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_batch_outputs_validate(tmp_path) -> None:
    (tmp_path / "in").mkdir()
    for seed in (ROOT / "fixtures" / "seeds").glob("*.txt"):
        (tmp_path / "in" / seed.name).write_text(seed.read_text())
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "bad.jsonl").write_text("{not json\n")
    out = tmp_path / "out.jsonl"
    run_batch([str(tmp_path / "in")], str(out), score=False)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert len(records) == 5 and len(errors) == 2
    for record in records:
        assert schema_errors("record", record) == []
    for error in errors:
        assert schema_errors("error", error) == []
    assert schema_errors("summary", summary) == []
    assert summary["read"] == 7 and summary["errors_by_kind"] == {"empty": 1, "bad_json": 1}


def test_an_invalid_record_is_caught() -> None:
    assert schema_errors("record", {"id": "x"})  # the validator really checks
