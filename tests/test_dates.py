"""parse_date's pre-tests (a year's digits, a pattern's separator, a month name's first letters) only skip
patterns that cannot match: its answers equal those of every pattern tried everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import metadata
from cleaner.metadata import is_date_line, parse_date

SHARED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction" / "text"


def every_pattern_everywhere(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    """parse_date with its pre-tests made to pass every text: each pattern searched in full, in order."""
    with monkeypatch.context() as m:
        m.setattr(metadata, "_YEAR_DIGITS", re.compile(""))
        m.setattr(metadata, "_MONTH_START", re.compile(""))
        m.setattr(metadata, "_PATTERN_NEEDS", ("",) * len(metadata.DATE_PATTERNS))
        return parse_date(text)


CASES = [
    "2024-05-01", "Posted 2024/5/1 at 10:30 pm EST", "1.2.2019", "March 3rd, 2021 14:05 UTC",
    "3 of march 2020", "Sept. 14, 2019", "SEP 14 2019", "ſep 14, 2019", "14 ſeptember 2019", "JUL 4 1999",
    "4 July 2101", "May 40, 2020", "Updated: 12 Dec 2018 | 20 January 2019", "no date here 1234",
    "— Josh Apte (@joshapte) November 3, 2019", "2020-13-01 then 2020-12-01", "٢٠٢٠-٠١-٠٢", "",
]


@pytest.mark.parametrize("text", CASES)
def test_pre_tests_change_no_answer(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_date(text) == every_pattern_everywhere(text, monkeypatch)


def test_the_cases_hold_dates() -> None:  # (the comparison above is not between two Nones)
    assert parse_date("Sept. 14, 2019") == ("2019-09-14", (0, 14))
    assert parse_date("ſep 14, 2019") == ("2019-09-14", (0, 12))
    assert parse_date("Posted 2024/5/1 at 10:30 pm EST")[0] == "2024-05-01T22:30:00-05:00"
    assert is_date_line("Updated: 12 Dec 2018 | 20 January 2019") is None
    assert is_date_line("Published on Monday, 7 Sep 2025 at 14:06 HKT") == "2025-09-07T14:06:00+08:00"


_DATEISH = st.lists(st.sampled_from(list("0123456789-/.,: ") + ["jan", "Sep", "tember", "ſ", "ı", "of ", "pm", "UTC",
                                                                  "st ", "\u0660"]), max_size=20).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_DATEISH, st.text(max_size=60)))
def test_pre_tests_change_no_answer_on_any_text(text: str) -> None:
    with pytest.MonkeyPatch.context() as m:
        assert parse_date(text) == every_pattern_everywhere(text, m)


def test_pre_tests_change_no_answer_on_development_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    if not SHARED_TEXT.exists():
        pytest.skip(f"development data not found at {SHARED_TEXT}")
    lines = [line for path in sorted(SHARED_TEXT.glob("*.txt"))[:120]
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    found = 0
    for line in lines:
        answer = parse_date(line)
        assert answer == every_pattern_everywhere(line, monkeypatch), line
        found += answer is not None
    assert found > 20  # the lines hold dates to compare
