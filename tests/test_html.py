"""cleaner.html: the page's lines with DOM evidence, the dev set's line rules, and metadata."""

from __future__ import annotations

import gzip
import json

from conftest import shared_path

from cleaner.html import DOM_FEATURES, html_to_blocks, parse_html, visible_lines

PAGE = """<!doctype html><html lang="en"><head><title>Council approves budget | Daily Bugle</title>
<meta property="og:title" content="Council approves budget">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<meta property="og:site_name" content="Daily Bugle"></head>
<body><nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<script>var x = 1;</script><div hidden>secret</div><div style="display: none">also hidden</div>
<article class="story"><h1>Council approves budget</h1>
<p>The city council approved the budget on Tuesday, after a long debate about schools and roads.</p>
<h2>What changes</h2><ul><li>More buses</li><li>New <b>bike</b> lanes</li></ul>
<p>Line one<br>line two</p></article>
<footer class="site-footer"><p>© 2024 Daily Bugle</p></footer></body></html>"""


def test_blocks_follow_the_visible_lines() -> None:
    blocks, meta = html_to_blocks(PAGE, "https://bugle.example/news/budget")
    texts = [b.text for b in blocks]
    assert texts == ["Home", "News", "Council approves budget",
                     "The city council approved the budget on Tuesday, after a long debate about schools and roads.",
                     "What changes", "More buses", "New bike lanes", "Line one", "line two", "© 2024 Daily Bugle"]
    kinds = {b.text: b.kind for b in blocks}
    assert kinds["Council approves budget"] == "heading"
    assert kinds["More buses"] == "list_item"
    assert kinds["Line one"] == "paragraph"
    assert all(len(b.features["dom"]) == len(DOM_FEATURES) for b in blocks)
    home = blocks[0].features
    assert home["link_density"] == 1.0 and "nav" in home["path"]
    assert blocks[3].features["link_density"] == 0.0
    assert "footer" in blocks[-1].features["path"]
    assert meta["title"] == "Council approves budget"
    assert meta["date"] == "2024-03-05"
    assert meta["sitename"] == "Daily Bugle"
    assert meta["language"] == "en"
    assert meta["url"] == "https://bugle.example/news/budget"


def test_empty_and_odd_input() -> None:
    assert html_to_blocks("", None)[0] == []
    blocks, _ = html_to_blocks("<?xml version='1.0' encoding='utf-8'?><p>Just text</p>", None)
    assert [b.text for b in blocks] == ["Just text"]
    assert visible_lines(parse_html("<div>a<span>b</span></div><div>c</div>")) == ["ab", "c"]


def test_lines_match_the_dev_set_text_mode() -> None:
    """The walker reproduces the dev set's naive text exactly, so its gold line labels map onto HTML blocks."""
    data = shared_path("data", "extraction")
    with open(data / "manifest.jsonl", encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    for rec in recs[::40]:
        html = gzip.decompress((data / rec["html"]).read_bytes()).decode("utf-8")
        blocks, _ = html_to_blocks(html, rec["url"])
        want = [x for x in (data / "text" / f"{rec['id']}.txt").read_text(encoding="utf-8").split("\n") if x]
        assert [b.text for b in blocks] == want, rec["id"]


def test_each_line_carries_trafilaturas_vote(monkeypatch) -> None:
    """The block model's second opinion: 1.0 where trafilatura keeps the line, 0.0 where it drops it, 0.5 where
    it gave no vote (a page over VOTE_MAX_CHARS)."""
    import cleaner.html as html_module

    col = DOM_FEATURES.index("extractor_main")
    body = "".join(f"<p>Paragraph {i} of the story tells readers what the council decided and why it matters to "
                   f"the city, with quotes from the mayor and residents.</p>" for i in range(6))
    page = (f"<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
            f"<article><h1>Council approves budget</h1>{body}</article>"
            f"<footer><p>© 2024 Daily Bugle. All rights reserved.</p></footer></body></html>")
    votes = {b.text: b.features["dom"][col] for b in html_to_blocks(page, None)[0]}
    assert votes["Home"] == 0.0
    assert all(v == 1.0 for t, v in votes.items() if t.startswith("Paragraph"))
    monkeypatch.setattr(html_module, "VOTE_MAX_CHARS", 100)
    assert {b.features["dom"][col] for b in html_to_blocks(page, None)[0]} == {0.5}


def _title_of(head: str, body: str = "", url: str | None = None) -> str | None:
    return html_to_blocks(f"<html><head>{head}</head><body>{body}<p>Some text.</p></body></html>", url)[1]["title"]


def test_title_is_the_articles_headline_not_the_sites_name() -> None:
    # og:title with the site's name after a separator: the name goes
    assert _title_of('<meta property="og:title" content="Daily Deals: Controllers on Sale - IGN">'
                     '<meta property="og:site_name" content="IGN">') == "Daily Deals: Controllers on Sale"
    # the og:title is the site's own, <title> and <h1> name the article: the one the <h1> confirms wins
    assert _title_of('<meta property="og:title" content="Yahoo News - Latest News &amp; Headlines">'
                     "<title>Russia: Space ship breaks up over Siberia</title>",
                     "<h1>Russia: Space ship breaks up over Siberia</h1>") == "Russia: Space ship breaks up over Siberia"
    # <title> alone, the site's name longer than the headline: the part the <h1> says
    assert _title_of("<title>About bugs – Vortex Cannon Entertainment</title>", "<h1>About bugs</h1>") == "About bugs"
    # the site's name in an <h1> (a logo) confirms nothing
    assert _title_of('<meta property="og:title" content="With shattered dreams, deportees return home">'
                     '<meta property="og:site_name" content="India Post">'
                     "<title>With shattered dreams, deportees return home | India Post</title>",
                     "<h1>India Post</h1>") == "With shattered dreams, deportees return home"
    # no og:site_name: the domain names the site ("The Daily Planet" on dailyplanet.com), not a headline that
    # merely contains a short one ("BBC chief resigns" on bbc.co.uk)
    assert _title_of("<title>Mayor opens new bridge | The Daily Planet</title>", "<h1>The Daily Planet</h1>",
                     "https://www.dailyplanet.com/news/bridge") == "Mayor opens new bridge"
    assert _title_of("<title>BBC chief resigns over report</title>", "<h1>BBC chief resigns over report</h1>",
                     "https://www.bbc.co.uk/news/123") == "BBC chief resigns over report"
    # a malformed URL (the page's og:url too) gives no domain, and no error
    assert _title_of("<title>Mayor opens new bridge | The Daily Planet</title>", url="http://[bad/x") == \
        "Mayor opens new bridge"
    # an <h1> cut off by the page still confirms the whole title
    assert _title_of('<meta property="og:title" content="Black Friday deals are live, including controllers and more">',
                     "<h1>Black Friday deals are live, including</h1>") == \
        "Black Friday deals are live, including controllers and more"
    # a declared title with a separator of its own and no site's name in it stays whole
    assert _title_of('<meta property="og:title" content="Milan Design Week 2018 | A light installation for FLOS">'
                     '<meta property="og:site_name" content="Inexhibit">') == \
        "Milan Design Week 2018 | A light installation for FLOS"


def test_a_long_line_in_a_div_is_a_paragraph() -> None:
    """Many sites write articles in <div>s: a block of PARAGRAPH_WORDS words or more is a paragraph whatever
    its tag (the incoherence scorer reads paragraphs and list items), a short one stays a line."""
    long = "The price of one of the controllers has dropped to the level it will have on Black Friday this week."
    blocks, _ = html_to_blocks(f"<html><body><div>{long}</div><div>Get it on Amazon</div></body></html>", None)
    assert [(b.text, b.kind) for b in blocks] == [(long, "paragraph"), ("Get it on Amazon", "line")]
