"""Language identification: seeds, determinism across calls and processes, mixed documents, no letters."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from array import array

import numpy as np
import pytest
from conftest import ROOT, both_paths, python_and_compiled, shared_path, using_core
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.document import Block, Document
from cleaner.scorers import language as language_module
from cleaner.scorers.language import (
    BLOCK_CHARS,
    BLOCK_TRIALS,
    MAX_BLOCKS,
    LanguageScorer,
    detect_language,
    language_probabilities,
)

SEEDS = ("000_3db7eecbe8e40396", "001_4af4492decbad57a", "002_83d07605061ef0cb", "003_380790700f85f489",
         "004_2cd00be68acbb105")

FRENCH = ("Le gouvernement a présenté mercredi un projet de loi sur la réforme des retraites, "
          "qui prévoit un relèvement progressif de l'âge légal de départ.")
ENGLISH = ("The government presented a bill on Wednesday to reform pensions, which would gradually raise "
           "the legal retirement age over the next decade.")
GERMAN = ("Die Regierung hat am Mittwoch einen Gesetzentwurf zur Rentenreform vorgestellt, der eine "
          "schrittweise Anhebung des gesetzlichen Rentenalters vorsieht.")
# Short, name-heavy text: the kind on which unseeded langdetect flips between answers from call to call.
AMBIGUOUS = "Real Madrid Barcelona Atletico Sevilla Villarreal"


@pytest.mark.parametrize("name", SEEDS)
def test_seeds_are_english(name: str) -> None:
    lines = shared_path("seeds", f"{name}.gold.tsv").read_text(encoding="utf-8").splitlines()
    body = [text for lab, _, text in (line.partition("\t") for line in lines) if lab == "body"]
    expected = json.loads(shared_path("seeds", "expected.json").read_text())[f"{name}.txt"]["language"]
    result = detect_language("\n".join(body), body)
    assert result["language"] == expected == "en"
    assert result["probability"] > 0.99
    assert result["mixed_share"] == 0.0


def test_scorer_sets_language_and_score() -> None:
    doc = Document(id="1", input="-", format="text", raw="", title="Réforme des retraites",
                   blocks=[Block(FRENCH), Block(FRENCH.replace("mercredi", "jeudi"))])
    LanguageScorer().run(doc)
    assert doc.language == "fr"
    assert doc.scores["language"]["language"] == "fr"
    assert set(doc.scores["language"]) == {"language", "probability", "mixed_share", "blocks_checked"}


def test_mixed_document() -> None:
    blocks = [ENGLISH, ENGLISH.replace("Wednesday", "Monday"), FRENCH, ENGLISH.replace("bill", "plan")]
    result = detect_language("\n".join(blocks), blocks)
    assert result["language"] == "en"
    share = len(FRENCH) / sum(len(b) for b in blocks)
    assert result["mixed_share"] == pytest.approx(share, abs=0.01)


def test_short_blocks_are_not_judged() -> None:
    blocks = [ENGLISH, ENGLISH, "Oui, merci."]
    result = detect_language("\n".join(blocks), blocks)
    assert result["language"] == "en" and result["mixed_share"] == 0.0 and result["blocks_checked"] == 2


@pytest.mark.parametrize("text", ["", "   \n ", "12 345 6789 -- !!", "2025-09-07 12:00 | 4.5%"])
def test_no_letters(text: str) -> None:
    result = detect_language(text)
    assert result == {"language": None, "probability": None, "mixed_share": None, "blocks_checked": 0}
    doc = Document(id="1", input="-", format="text", raw="", blocks=[Block(text)])
    LanguageScorer().run(doc)
    assert doc.language is None


def test_empty_body_falls_back_to_title() -> None:
    doc = Document(id="1", input="-", format="text", raw="", title=GERMAN, blocks=[])
    LanguageScorer().run(doc)
    assert doc.language == "de"


def test_deterministic_across_calls_and_processes() -> None:
    texts = [AMBIGUOUS, ENGLISH + "\n" + FRENCH, "Kiev Kyiv Moskva Putin"]
    here = [detect_language(t) for t in texts]
    assert here == [detect_language(t) for t in texts]
    code = ("import json, sys; from cleaner.scorers.language import detect_language; "
            "print(json.dumps([detect_language(t) for t in json.loads(sys.argv[1])]))")
    runs = [subprocess.run([sys.executable, "-c", code, json.dumps(texts)], capture_output=True, text=True,
                           cwd=ROOT, check=True, timeout=60).stdout for _ in range(2)]
    assert json.loads(runs[0]) == json.loads(runs[1]) == here


def test_long_documents_are_capped(monkeypatch) -> None:
    """Every long block is pre-checked, but langdetect runs on at most MAX_BLOCKS of the suspects (here the
    German ones), whose foreign share is applied to all of them."""
    blocks = [ENGLISH] * 150 + [GERMAN] * 50
    calls = []

    def counting(text: str, max_chars: int = 2000, trials: int = 7) -> dict[str, float]:
        calls.append((max_chars, trials))
        return language_probabilities(text, max_chars, trials)

    monkeypatch.setattr(language_module, "language_probabilities", counting)
    start = time.perf_counter()
    result = detect_language("\n".join(blocks), blocks)
    elapsed = time.perf_counter() - start
    assert result["language"] == "en"
    assert result["blocks_checked"] == 200
    assert result["mixed_share"] == pytest.approx(50 * len(GERMAN) / (150 * len(ENGLISH) + 50 * len(GERMAN)), abs=1e-4)
    assert calls.count((BLOCK_CHARS, BLOCK_TRIALS)) == MAX_BLOCKS and len(calls) == MAX_BLOCKS + 1
    assert elapsed < 0.5, f"{elapsed:.2f}s for 200 blocks"


def _langdetect(text: str, max_chars: int, trials: int) -> dict[str, float]:
    """What langdetect itself answers (seed 0, `trials` trials) on the first `max_chars` characters."""
    from langdetect import DetectorFactory
    from langdetect.detector_factory import PROFILES_DIRECTORY
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect.__dict__.get("factory")
    if factory is None:
        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        factory.seed = 0
        _langdetect.__dict__["factory"] = factory
    detector = factory.create()
    detector.n_trial = trials
    detector.append(text[:max_chars])
    try:
        return {lp.lang: float(lp.prob) for lp in detector.get_probabilities()}
    except LangDetectException:
        return {}


def _real_texts() -> list[str]:
    texts = []
    for name in SEEDS:
        lines = shared_path("seeds", f"{name}.gold.tsv").read_text(encoding="utf-8").splitlines()
        texts.append("\n".join(text for lab, _, text in (line.partition("\t") for line in lines) if lab == "body"))
    manifest = shared_path("data", "extraction", "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    pages = [json.loads(line) for line in manifest]
    # one page in 8 of the extraction set (mostly English, a German and a Russian one) and every page whose
    # metadata names another language (French, Czech, Spanish, Portuguese, German, Japanese)
    return texts + [p["text"] for k, p in enumerate(pages)
                    if p.get("text") and (k % 8 == 0 or not (p.get("lang") or "en").startswith("en"))]


code = both_paths(language_module)


_EDGE_TEXTS = [ENGLISH, FRENCH, GERMAN, AMBIGUOUS, "", " ", "  a  b ", "A", "AB ABC aBCd NATO's", "ÉCOLE İstanbul",
               "Tiếng Việt có dấu: Hà Nội, Việt Nam", "Tie\u0301ng Vie\u0323t", "see https://example.org/x now",
               "mail me@example.org", "Пример текста with a few Latin words", "a" * 9999 + "e\u0301 x" + "b" * 20,
               "ǅungla \ud800x 𝐀𝐁c", "Ελληνικά κείμενο με λίγα Latin", "日本語の文章です。 漢字", "x\u00a0y\tz\u2028w",
               "“quoted” — text ‘a’ …"]


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
@pytest.mark.parametrize("text", _EDGE_TEXTS)
def test_compiled_ngrams_and_line_scores_are_the_python_codes(text: str) -> None:
    """The same prepared and normalised text, the same n-gram rows (langdetect's list) and the same float32
    pre-check sums, bit for bit."""
    for sample in (text, text + "  x", text * 3):
        python, compiled = python_and_compiled(language_module, language_module._prepare, sample)
        assert compiled == python
        for table in (language_module._NORMALISED, language_module._NORMALISED_LINES):
            python, compiled = python_and_compiled(language_module, table.apply, sample + "\nx")
            assert compiled == python == (sample + "\nx").translate(table)
    normalised = text.translate(language_module._NORMALISED)
    python, compiled = python_and_compiled(language_module, language_module._rows_of_words, normalised)
    assert compiled.tolist() == python.tolist()
    lines = "\n".join([text, "", text[::-1], text.upper()]).translate(language_module._NORMALISED_LINES)
    python, compiled = python_and_compiled(language_module, language_module._line_scores, lines)
    assert compiled.shape == python.shape and compiled.tobytes() == python.tobytes()
    # the fused calls: prepare, normalise and the n-grams of a sample in one (texts without URLs or e-mail
    # addresses, which _prepare cleans first), and the pre-check's normalised lines scored in one
    for sample in (text, text[:7], text + " \n" + text.upper()):
        with using_core(language_module, None):
            python = language_module._ngram_rows(language_module._prepare(sample))
        fused = language_module._core.sample_rows(sample, 10000, language_module._NORMALISED)
        if "http" not in sample and "@" not in sample and fused is not None:
            assert np.frombuffer(fused, dtype=np.int32).tolist() == python.tolist()
        elif fused is None:  # only for a mark NGram.normalize_vi composes
            assert any(mark in sample for mark in "\u0300\u0301\u0303\u0309\u0323")
    blocks = [text, "", text[::-1] + "\n" + text.upper(), text * 9]
    for language in ("en", "de", "ja"):
        python, compiled = python_and_compiled(language_module, language_module._suspects, blocks, language)
        assert compiled == python


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
def test_compiled_avx_loops_are_the_sse_loops() -> None:
    """The trials' updates and the pre-check's sums run four or eight columns at a time where the processor has
    AVX: the same probabilities and sums, bit for bit, as the two- and four-column loops (and the Python code)."""
    core = language_module._core
    texts = [t[:400] for t in _real_texts()[:40]] + _EDGE_TEXTS
    words = [f"{w}{k % 13}" for k, w in enumerate((ENGLISH + " " + GERMAN).split() * 30)]
    lines = "\n".join(" ".join(words[k : k + n]) for k, n in zip(range(0, 900, 150), (3, 9, 130, 140, 300, 17), strict=True))
    results = []
    for avx in (True, False):
        was = core.use_avx(avx)
        try:
            results.append(([language_probabilities(t, BLOCK_CHARS, BLOCK_TRIALS) for t in texts],
                             language_module._line_scores(lines.translate(language_module._NORMALISED_LINES)).tobytes()))
        finally:
            core.use_avx(was)
    assert results[0] == results[1]


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
def test_compiled_sample_rows_past_the_word_cache() -> None:
    """sample_rows keeps the n-gram rows of words across calls, emptied when full: more distinct words than it
    keeps, then the first texts again, give the Python code's rows every time."""
    texts = [" ".join(f"w{k}x{j}" for j in range(900)) for k in range(80)]  # 72,000 distinct words
    for text in texts + texts[:3]:
        with using_core(language_module, None):
            python = language_module._ngram_rows(language_module._prepare(text))
        fused = language_module._core.sample_rows(text, 10000, language_module._NORMALISED)
        assert np.frombuffer(fused, dtype=np.int32).tolist() == python.tolist()


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
def test_compiled_line_scores_of_a_text_too_long_for_the_word_cache() -> None:
    """A text of more words than the compiled core keeps rows for is scored without its cache: the same sums."""
    words = [f"{w}{k % 97}" for k, w in enumerate((ENGLISH + " " + GERMAN).split() * 2000)]
    lines = "\n".join(" ".join(words[k : k + 50]) for k in range(0, len(words), 50))
    assert len(lines) > 2 * (1 << 16)
    python, compiled = python_and_compiled(language_module, language_module._line_scores, lines.translate(language_module._NORMALISED_LINES))
    assert compiled.tobytes() == python.tobytes()


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
@settings(deadline=None)  # (the first example loads the tables)
@given(st.text(alphabet=st.sampled_from("aAbBeEnNtT hé'É-\nΩω日Я\u0301\u0323ệ@:/"), max_size=120))
def test_compiled_core_on_any_text(text: str) -> None:
    """Any text: the same n-gram rows and line scores as the Python code, and the same probabilities."""
    test_compiled_ngrams_and_line_scores_are_the_python_codes(text)
    python, compiled = python_and_compiled(language_module, language_probabilities, text, BLOCK_CHARS, BLOCK_TRIALS)
    assert list(compiled) == list(python)
    assert all(abs(compiled[k] - python[k]) < 1e-9 for k in python)


@pytest.mark.parametrize("text", [ENGLISH, FRENCH, GERMAN, AMBIGUOUS, "Kiev Kyiv Moskva Putin", "ab"])
def test_same_answers_as_langdetect_on_short_texts(code: str, text: str) -> None:
    """langdetect's own probabilities: exactly with the compiled core (its operations in its order), to
    rounding with the Python code (products grouped); without ../shared, so that CI checks it."""
    for max_chars, trials in ((2000, 7), (BLOCK_CHARS, BLOCK_TRIALS)):
        ours, theirs = language_probabilities(text, max_chars, trials), _langdetect(text, max_chars, trials)
        assert list(ours) == list(theirs)
        if code == "compiled":
            assert ours == theirs
        assert all(abs(ours[k] - theirs[k]) < 1e-9 for k in ours)


def test_same_answers_as_langdetect(code: str) -> None:
    """language_probabilities is langdetect's Detector.get_probabilities (same n-grams, same random draws,
    same stopping points): exactly with the compiled core, up to the order of floating-point products with
    the Python code: documents and short blocks."""
    texts = _real_texts() + [AMBIGUOUS, FRENCH, GERMAN, "Kiev Kyiv Moskva Putin", "ab", "Ελληνικά κείμενο με λίγα Latin"]
    cases = [(t, 2000, 7) for t in texts]
    cases += [(line.strip(), BLOCK_CHARS, BLOCK_TRIALS) for t in texts for line in t.splitlines()[:6]
              if len(line.strip()) >= 20]
    assert len(cases) > 100
    for text, max_chars, trials in cases:
        ours, theirs = language_probabilities(text, max_chars, trials), _langdetect(text, max_chars, trials)
        assert list(ours) == list(theirs), (text[:60], ours, theirs)
        assert ours == theirs if code == "compiled" else all(abs(ours[k] - theirs[k]) < 1e-9 for k in ours), \
            (text[:60], ours, theirs)


def test_batch_rows_are_word_rows() -> None:
    """The caches fill with `_batch_rows` (all of a text's new words at once, with numpy); each word's rows must
    be `_word_rows`' (langdetect's n-grams of the word, one by one), with or without a following space."""
    words = sorted({w for t in _real_texts() for w in t.translate(language_module._NORMALISED).split(" ")})
    words += ["", "A", "AB", "ABC", "aBCd", "NATO's", "ÉCOLE", "İstanbul", "ǅungla", "\ud800x", "𝐀𝐁c", "x"]
    assert len(words) > 1000
    for trailing_space in (False, True):
        expected = [array("i", language_module._word_rows(w, trailing_space)).tobytes() for w in words]
        batched = [row for k in range(0, len(words), 40)
                   for row in language_module._batch_rows(words[k : k + 40], trailing_space)]
        assert batched == expected
        assert language_module._batch_rows(words[-12:-11], trailing_space) == expected[-12:-11]


def test_normalised_apply_is_translate(code: str) -> None:
    """The n-gram normalisation maps mostly-ASCII text byte by byte: the same text as str.translate."""
    texts = _real_texts() + ["", "abc", "é", "’x’", "\ud800\udc00 ok", "a\u3042b", "Ǆ ǅ ǆ", "x\u00a0y\nz",
                             "“quoted” — text ‘a’ …", "Ελληνικά κείμενο με λίγα Latin"]
    texts += [t[:400] for t in texts]
    for table in (language_module._NORMALISED, language_module._NORMALISED_LINES):
        assert [table.apply(t) for t in texts] == [t.translate(table) for t in texts]


def test_random_stream_is_pythons() -> None:
    """The bulk Mersenne Twister words reproduce random.Random(0)'s getrandbits, random, gauss and choice."""
    language_module._get_profiles()
    assert language_module._stream_is_pythons()


def test_precheck_sends_foreign_blocks_to_langdetect(code: str) -> None:
    english = [ENGLISH, ENGLISH.replace("bill", "plan"), "The minister said the plan would be debated next week."]
    have, suspects = language_module._suspects(english + [FRENCH, GERMAN], "en")
    assert have == [0, 1, 2, 3, 4] and suspects == [3, 4]


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("htps:/.a-Z9?&~;+=#_ xé@\n"), max_size=80))
def test_compiled_url_removal_is_langdetects(text: str) -> None:
    """The compiled URL removal is langdetect's Detector.URL_RE.sub(" ", text), on text dense with URL pieces."""
    from langdetect.detector import Detector

    for sample in (text, "see https://example.com/a?b=1 and http://x.y/" + text, "http://" + "a" * 2100 + text):
        assert language_module._core.without_urls(sample) == Detector.URL_RE.sub(" ", sample)


@pytest.mark.skipif(language_module._core is None, reason="the compiled core is not built")
@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("a1-_.@ xé\n"), max_size=60), st.integers(0, 3))
def test_compiled_mail_removal_is_langdetects(text: str, more: int) -> None:
    """The compiled e-mail removal is langdetect's Detector.MAIL_RE.sub(" ", text): local parts and domains at and
    past their limits (64, 255), a domain's end given back, several "@"."""
    from langdetect.detector import Detector

    for sample in (text, "a" * (62 + more) + "@" + text, text + "@" + "b" * (253 + more) + "." + text,
                   "x@" + "c" * (253 + more) + "@d.e" + text, "q" * (63 + more) + "@" + "d" * (254 + more) + " " + text):
        assert language_module._core.without_mails(sample) == Detector.MAIL_RE.sub(" ", sample), sample
