"""Reading and bad input: every input ends up as a record or an error line, and the batch goes on."""

from __future__ import annotations

import gzip
import json

import pytest

import cleaner
from cleaner.encoding import decode_bytes
from cleaner.errors import DocumentError
from cleaner.read import JsonFields, read_inputs, stem_id

ARTICLE = (
    "Council approves budget\n\n"
    "The city council approved a new budget on Tuesday after a debate that lasted more than nine hours and "
    "ended with a narrow vote.\n\nShare this article\n\n© 2025 Example Media. All rights reserved.\n"
)


def read_all(paths, **kw):
    return list(read_inputs([str(p) for p in paths], **kw))


def test_ids_are_file_names_without_extensions(tmp_path) -> None:
    assert stem_id(tmp_path / "a.b.html.gz") == "a.b"
    assert stem_id(tmp_path / "story.txt") == "story"


def test_folder_is_read_recursively_in_order_and_other_files_are_skipped(tmp_path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b" / "c.txt.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (tmp_path / "b" / "image.png").write_bytes(b"\x89PNG")
    from cleaner.read import ReadStats

    stats = ReadStats()
    docs = list(read_inputs([str(tmp_path)], stats=stats))
    assert [d.id for d in docs] == ["a", "c"]
    assert stats.skipped == 1 and stats.skipped_paths[0].endswith("image.png")


def test_jsonl_fields_are_options(tmp_path) -> None:
    path = tmp_path / "batch.jsonl"
    rows = [{"uid": "x1", "link": "https://www.example.com/a", "body": ARTICLE}, {"uid": "x2", "body": "Hi there"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    fields = JsonFields(id=("uid",), url=("link",), text=("body",))
    docs = read_all([path], fields=fields)
    assert [d.id for d in docs] == ["x1", "x2"]
    assert docs[0].url == "https://www.example.com/a" and docs[0].source == "example.com"


def test_bad_jsonl_lines_become_errors_and_the_rest_is_read(tmp_path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": "ok", "text": "Some text here."}\nnot json\n[1, 2]\n{"id": "empty"}\n')
    items = read_all([path])
    kinds = [getattr(i, "kind", "doc") for i in items]
    assert kinds == ["doc", "bad_json", "bad_json", "no_text"]


def test_encodings_are_detected_not_crashed() -> None:
    latin = "Le café de la gare a fermé ses portes après trente années de service.".encode("latin-1")
    text, enc = decode_bytes(latin)
    assert "café" in text and enc != "utf-8"
    html = b'<html><head><meta charset="windows-1251"></head><body>' + "Привет мир".encode("cp1251") + b"</body>"
    text, enc = decode_bytes(html, is_html=True)
    assert "Привет мир" in text and enc == "windows-1251"
    with pytest.raises(DocumentError) as info:
        decode_bytes(bytes(range(256)) * 10)
    assert info.value.kind == "binary"


def test_gzip_bomb_is_an_error_not_an_oom(tmp_path) -> None:
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"a" * (60 * 1024 * 1024)))
    items = read_all([bomb], max_bytes=5 * 1024 * 1024)
    assert len(items) == 1 and items[0].kind == "too_large"


def test_broken_folder_gives_one_line_per_file_and_exit_zero(tmp_path) -> None:
    """The issue's acceptance case: binary, empty, invalid UTF-8, huge, broken HTML, not-found."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "invalid-utf8.txt").write_bytes(b"Caf\xe9 au lait \xff\xfe is served here every morning.\n")
    (folder / "huge-line.txt").write_text("word " * 2_000_000)  # a 10 MB single line
    (folder / "broken.html").write_text("<html><body><div><p>Unclosed <b>tags <table><tr><td>cell")
    (folder / "deep.html").write_text("<div>" * 20000 + "deep text" + "</div>" * 20000)
    (folder / "good.txt").write_text(ARTICLE)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    from click.testing import CliRunner

    from cleaner.cli import main

    result = CliRunner().invoke(main, ["clean", str(folder), "-o", str(out), "--errors", str(errors), "--no-score"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    failures = [json.loads(line) for line in errors.read_text().splitlines()]
    ids = sorted([r["id"] for r in records] + [e["id"] for e in failures])
    assert ids == sorted(["binary", "empty", "invalid-utf8", "huge-line", "broken", "deep", "good"])
    kinds = {e["id"]: e["error"] for e in failures}
    assert kinds["binary"] == "binary" and kinds["empty"] == "empty"
    good = next(r for r in records if r["id"] == "good")
    assert "Share this article" not in good["text"] and "approved a new budget" in good["text"]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["read"] == 7 and summary["cleaned"] + summary["errors"] == 7


def test_stdin_jsonl() -> None:
    import io

    stream = io.StringIO(json.dumps({"id": "s1", "text": ARTICLE}) + "\n")
    docs = list(read_inputs(["-"], stdin=stream))
    assert docs[0].id == "s1" and docs[0].input == "-:1"


def test_clean_html_keeps_article_and_metadata() -> None:
    html = """<html><head><title>Storm closes schools | Example News</title>
    <meta property="og:title" content="Storm closes schools">
    <meta property="article:published_time" content="2024-03-05T10:00:00Z"></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Storm closes schools</h1>
    <p>Heavy rain forced dozens of schools to close on Monday, officials said, as rivers rose to their highest
    level in a decade and several roads were flooded across the region.</p>
    <p>Emergency services rescued more than forty people from cars and homes overnight, and the regional
    government said it would open shelters in three towns.</p></article>
    <footer>© 2024 Example News. All rights reserved.</footer></body></html>"""
    doc = cleaner.clean_html(html, url="https://www.example.com/storm")
    assert "Heavy rain forced dozens of schools" in doc.text
    assert "Emergency services rescued" in doc.text
    assert "All rights reserved" not in doc.text
    assert doc.title == "Storm closes schools"
    assert (doc.date or "").startswith("2024-03-05")
    assert doc.source == "example.com"
