"""The records' JSON compiled (cleaner._records_core): its dumps is json.dumps(obj, ensure_ascii=False,
separators=(",", ":")) character for character (the same str, of the same kind) on any JSON-like value, every code
point in strings of every kind, every escape at every place of the 8-byte groups the C code reads, and the records
of real documents; what it does not write it answers None for, and cleaner.write.dumps then gives json.dumps's
result or its very exception."""

from __future__ import annotations

import collections
import enum
import itertools
import json
import sys
from typing import Any, NamedTuple

import numpy as np
import pytest
from conftest import both_paths, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import write

pytestmark = pytest.mark.skipif(write._COMPILED is None, reason="the compiled core is not built "
                                "(CLEANER_NO_NATIVE, or no C compiler at install)")

code = both_paths(write)


def reference(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def assert_same(obj: Any) -> None:
    """The compiled dumps writes obj, and writes json's str: the same characters, the same kind and ASCII flag
    (sys.getsizeof tells them apart where == does not look: an all-ASCII str of a wider kind)."""
    compiled, expected = write._COMPILED.dumps(obj), reference(obj)
    assert compiled is not None, repr(obj)[:300]
    assert type(compiled) is str
    assert compiled == expected, repr(obj)[:300]
    assert compiled.isascii() == expected.isascii() and sys.getsizeof(compiled) == sys.getsizeof(expected)


def assert_not_written(obj: Any) -> None:
    """The compiled dumps declines obj; write.dumps gives json.dumps's str or raises its exception."""
    assert write._COMPILED.dumps(obj) is None
    try:
        expected = reference(obj)
    except Exception as error:  # noqa: BLE001 (any of json's errors must come out as it is)
        with pytest.raises(type(error)) as raised:
            write.dumps(obj)
        assert str(raised.value) == str(error)
    else:
        assert write.dumps(obj) == expected


# --- hand-made values


_FLOATS = [float("nan"), float("inf"), float("-inf"), -float("nan"), 0.0, -0.0, 1e-05, 0.0001, 5e-324, 1e16, 1e22,
           1e15, 123456789012345680.0, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
           -1.5, 0.1, 1 / 3, 100.0, 1e-7, -9.999999999999999e22]
_INTS = [0, -1, 1, 7, -7, 2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, -(2**64), 10**19, 10**30,
         -(10**100), 3**500]


def test_numbers_and_constants() -> None:
    for value in [*_FLOATS, *_INTS, None, True, False]:
        assert_same(value)
        assert_same([value])
        assert_same({"k": value})


def test_containers() -> None:
    for value in [[], (), {}, [[]], [{}], {"": {}}, {"a": [1, (2, 3), {"b": None}], "": ""}, ([], ()),
                  {"x": 1, "y": 2, "é": 3, "’": 4, "😀": 5}, [1] * 1000, {str(i): i for i in range(300)}]:
        assert_same(value)


def test_key_order_is_the_dicts() -> None:
    d = {"b": 1, "a": 2}
    d["c"] = 3
    del d["b"]
    d["b"] = 4
    assert_same(d)
    assert write._COMPILED.dumps(d) == '{"a":2,"c":3,"b":4}'


def test_escapes() -> None:
    assert write._COMPILED.dumps("\"\\\b\f\n\r\t\x00\x1f\x7f/\u2028") == '"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\x7f/\u2028"'
    for s in ["", '"', "\\", "\x1a", "\x0b", "a\x00b", "\ud800", "\udfff\ud800", "x" * 17 + "\n"]:
        assert_same(s)
        assert_same({s: s})


@pytest.mark.parametrize("wide", ["", "é", "’", "😀"], ids=["ascii", "latin1", "ucs2", "ucs4"])
def test_every_escape_at_every_place(wide: str) -> None:
    """Each character json escapes (and its neighbours in value) at each of 40 places of a string of each kind,
    first, alone or in runs: the 8-byte groups find each one wherever it falls."""
    for c in [*map(chr, range(0x21)), '"', "\\", "#", "!", "[", "]", "\x7f", "\x80", "\u0100", "\u2020", "\u205c",
              "\u5c22", "\U00010020"]:
        for at in range(40):
            for s in [wide + "a" * at + c + "b" * (39 - at), "a" * at + c * 3 + wide, c + "a" * at + c]:
                assert_same(s)
    assert_same(["é" * 40, "’" * 40, "😀" * 40, "a" * 40])  # (each kind copied into a wider result)


def test_every_code_point_alone() -> None:
    for start in range(0, 0x110000, 0x1000):
        chars = [chr(c) for c in range(start, start + 0x1000)]
        assert write._COMPILED.dumps(chars) == reference(chars), hex(start)
        for c in chars:
            assert write._COMPILED.dumps(c) == reference(c), hex(ord(c))


@pytest.mark.parametrize("wide", ["a", "é", "’", "😀"], ids=["ascii", "latin1", "ucs2", "ucs4"])
def test_every_code_point_in_strings_of_each_kind(wide: str) -> None:
    """Each code point inside a string that is at least of `wide`'s kind, at a place that moves through the 8-byte
    groups, and as a dict's key."""
    for start in range(0, 0x110000, 0x1000):
        strings = [wide + "x" * (c % 19) + chr(c) + "y" * (c % 7) for c in range(start, start + 0x1000)]
        assert_same(strings)
        assert_same(dict.fromkeys(strings[::64], start))


# --- any JSON-like value

_SPECIAL_FLOATS = st.sampled_from(_FLOATS)
_NUMBERS = st.one_of(
    st.floats(), _SPECIAL_FLOATS, st.floats(min_value=-2.3e-308, max_value=2.3e-308),  # (subnormals)
    st.integers(), st.integers(min_value=-(2**300), max_value=2**300), st.sampled_from(_INTS),
)
_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)  # (lone surrogates too)
_PIECES = st.sampled_from(['"', "\\", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "a", " ", "é", "’",
                           "😀", "\ud800", "\u2028", "x" * 20, "’" * 9])
_PIECED_TEXT = st.lists(_PIECES, max_size=30).map("".join)
_TEXT = st.one_of(_ANY_TEXT, _PIECED_TEXT)
_LEAVES = st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(st.lists(children, max_size=6), st.lists(children, max_size=6).map(tuple),
                               st.dictionaries(_TEXT, children, max_size=6)),
    max_leaves=40,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VALUES)
def test_any_json_like_value(value: Any) -> None:
    assert_same(value)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, max_size=10), _TEXT)
def test_strings_of_mixed_kinds_in_one_result(strings: list[str], key: str) -> None:
    assert_same({key: strings, "n": len(strings)})


# --- what it does not write: json.dumps decides


class Int(int):
    def __repr__(self) -> str:
        return "Int()"


class Float(float):
    def __repr__(self) -> str:
        return "Float()"


class Str(str):
    def __str__(self) -> str:
        return "Str()"


class Colour(enum.IntEnum):
    RED = 1


class Point(NamedTuple):
    x: int
    y: int


def test_subclasses_json_writes_by_their_value() -> None:
    """json writes an int, float or str subclass by int.__repr__, float.__repr__ or its characters: so does the C."""
    for value in [Int(5), Int(-(2**70)), Colour.RED, Float(1.5), Float("nan"), np.float64(0.1), np.float64(1e22),
                  Str("a\"b’"), {Str("k’"): Str("v")}]:
        assert_same(value)
        assert_same([value])


def test_what_is_left_to_json() -> None:
    for value in [{1: 2}, {"a": {None: 1}}, {1.5: "x"}, {True: 0}, {(1, 2): 3}, collections.OrderedDict(a=1),
                  collections.Counter("ab"), Point(1, 2), [Point(1, 2)], type("L", (list,), {})([1]),
                  np.int64(3), np.array([1]), {"s": {1, 2}}, b"bytes", object(), [1, object()],
                  [10 ** 5000], {"a": "b", "c": [1, 2, {3: 4}]}]:
        assert_not_written(value)


def test_circular_structures() -> None:
    a: list[Any] = [1]
    a.append(a)
    d: dict[str, Any] = {"x": 1}
    d["self"] = [d]
    for value in [a, d, {"ok": 1, "loop": a}]:
        assert_not_written(value)
        with pytest.raises(ValueError, match="Circular reference detected"):
            write.dumps(value)


def _nested(depth: int) -> Any:
    value: Any = "’"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def test_deep_nesting() -> None:
    """Deep enough for the C stack, the C declines and json.dumps writes it or raises RecursionError."""
    assert_same(_nested(150))
    assert_not_written(_nested(250))
    with pytest.raises(RecursionError):
        write.dumps(_nested(100_000))


def test_wrong_arguments() -> None:
    with pytest.raises(TypeError):
        write._COMPILED.dumps()
    with pytest.raises(TypeError):
        write._COMPILED.dumps({}, {})
    with pytest.raises(TypeError):
        write._COMPILED.dumps(obj={})


def test_write_dumps_on_both_paths(code: str) -> None:
    for value in [{"a": 1.5, "b": ["’", None]}, {1: 2}, "x"]:
        assert write.dumps(value) == reference(value)
    with pytest.raises(TypeError, match="not JSON serializable"):
        write.dumps({"a": object()})


def test_the_compiled_core_is_what_runs() -> None:
    assert write._core is write._COMPILED and write._COMPILED.__name__ == "cleaner._records_core"


# --- the records of real documents


def _documents(folder: str, n: int) -> list[dict[str, Any]]:
    path = shared_path("data", folder, "docs.jsonl")
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in itertools.islice(lines, n)]


@pytest.mark.parametrize(("folder", "n"), [("news", 200), ("mt", 100)])
def test_records_of_real_documents(folder: str, n: int) -> None:
    import cleaner.api

    for doc in _documents(folder, n):
        record = cleaner.api.clean_text(doc["text"], score=True).to_record()
        assert_same(record)
        assert_same({**record, "meta": doc})
