"""Cross-page template evidence: learnt per source from a batch, deterministic, used by `cleaner clean`.

The batch is generated from the real seed articles (fixtures/seeds): five pages of one site, each with the
site's menu above the headline, a footer below the article and a recurring in-article heading between
paragraphs. The menu and footer must go as `template/<source>`; the in-article heading must stay.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import ROOT

import cleaner
from cleaner.cli import main
from cleaner.templates import TemplateLearner, learn_templates

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.expected.json"))
SOURCE = "valley-courier"
MENU = ["Valley Courier", "Politics Economy Culture Opinion Weather", "Subscribe for the print edition today"]
FOOTER = ["The Valley Courier is published by Courier Media Group, 12 Mill Street, Riverton",
          "About us · Contact · Corrections · Privacy"]
HEADING = "Background and context"


def _page(seed: dict) -> str:
    body = list(seed["body"])
    half = max(1, len(body) // 2)
    lines = [*MENU, "", seed["title"], "", *body[:half], "", HEADING, "", *body[half:], "", *FOOTER]
    return "\n\n".join(lines)


def _batch(tmp_path) -> tuple[str, list[dict]]:
    seeds = [json.loads(p.read_text(encoding="utf-8")) for p in SEEDS]
    path = tmp_path / "batch.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for seed in seeds:
            fh.write(json.dumps({"id": seed["id"], "source": SOURCE, "text": _page(seed)}) + "\n")
    return str(path), seeds


def test_repeated_menu_and_footer_are_template_and_the_in_article_heading_is_not(tmp_path) -> None:
    batch, seeds = _batch(tmp_path)
    assert len(seeds) == 5
    learner = learn_templates([batch], tmp_path / "t.json")
    for line in MENU + FOOTER:
        reason = learner.is_template(SOURCE, line)
        assert reason and "on 5 of 5 pages" in reason, line
    assert learner.is_template(SOURCE, HEADING) is None  # between prose on every page: a recurring subheading
    assert learner.is_template("other-site", MENU[1]) is None  # evidence is per source

    out = tmp_path / "clean.jsonl"
    cleaner.api.run_batch([batch], str(out), score=False, templates=str(tmp_path / "t.json"), resume=False)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5
    for rec in records:
        removed = {r["text"]: r for r in rec["removed"]}
        for line in MENU + FOOTER:
            assert removed[line]["rule"] == f"template/{SOURCE}"
            assert "on 5 of 5 pages" in removed[line]["reason"]
        assert HEADING in rec["text"].split("\n")


def test_learning_is_deterministic_and_order_free(tmp_path) -> None:
    batch, _ = _batch(tmp_path)
    lines = open(batch, encoding="utf-8").read().splitlines()
    rev = tmp_path / "rev.jsonl"
    rev.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    learn_templates([batch], tmp_path / "a.json")
    learn_templates([str(rev)], tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    # --update counts a page it has already seen once
    learn_templates([batch], tmp_path / "a.json", update=True)
    again = TemplateLearner.load(tmp_path / "a.json")
    assert again.sites[SOURCE]["pages"] == 5


def test_too_few_pages_is_no_evidence(tmp_path) -> None:
    learner = TemplateLearner()
    from cleaner.document import Block

    for n in range(2):
        learner.observe(SOURCE, [Block(MENU[1]), Block(f"story {n} " * 20)])
    assert learner.is_template(SOURCE, MENU[1]) is None  # 2 pages < min_pages 3


def test_cli_learn_then_clean_equals_the_library(tmp_path) -> None:
    batch, _ = _batch(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["templates", "learn", batch, "-o", str(tmp_path / "t.json")])
    assert res.exit_code == 0, res.output
    assert "5 pages from 1 sources" in res.output
    res = runner.invoke(main, ["clean", batch, "-o", str(tmp_path / "c.jsonl"), "--no-score",
                               "--templates", str(tmp_path / "t.json")])
    assert res.exit_code == 0, res.output
    records = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    pipe = cleaner.Pipeline.default([], score=False, templates=tmp_path / "t.json")
    for rec in records:
        page = next(json.loads(x) for x in open(batch, encoding="utf-8") if json.loads(x)["id"] == rec["id"])
        doc = cleaner.clean_text(page["text"], source=SOURCE, id=rec["id"], pipeline=pipe)
        assert rec["text"] == doc.text
        assert any(r["rule"] == f"template/{SOURCE}" for r in rec["removed"])
    res = runner.invoke(main, ["templates", "learn", "--help"])
    assert "Example" in res.output
