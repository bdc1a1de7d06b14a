"""The HTML sources report in a real browser: headless Chromium sorts the table, opens a drill-down,
renders hostile text inertly, and logs no console error. Set CLEANER_WRITE_SCREENSHOT=1 to refresh
docs/report.png.

Needs Debian's chromium + chromium-driver and the selenium package; skipped with a message otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cleaner.report import write_html_report
from cleaner.sources import summarize_sources

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1700", "--hide-scrollbars"]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_multisite", ROOT / "tools" / "make_multisite.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if os.path.isfile(name) else None)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Two batches through one store (so history shows), the second with a hostile record, as a report."""
    gen = _generator()
    tmp = tmp_path_factory.mktemp("report")
    store = str(tmp / "cleaner.sqlite")
    summarize_sources(gen.make_batch(docs=120, seed=3), store=store)
    summary = summarize_sources(gen.make_batch(docs=160, seed=7, hostile=True), store=store)
    path = tmp / "report.html"
    write_html_report(summary, str(path))
    return path, summary


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    chromium = _find("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome")
    chromedriver = _find("chromedriver", "/usr/bin/chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("headless browser test needs Chromium and ChromeDriver "
                    "(Debian: apt-get install -y chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()


def _column(drv: Any, key: str) -> list[str]:
    """The data-v values of one column, top to bottom, as the browser now shows them."""
    return drv.execute_script(
        "var key = arguments[0];"
        "var ths = Array.from(document.querySelectorAll('#sources-table thead th'));"
        "var col = ths.findIndex(function (th) { return th.dataset.key === key; });"
        "return Array.from(document.querySelectorAll('#sources-table tbody tr'),"
        " function (tr) { return tr.cells[col].getAttribute('data-v'); });",
        key,
    )


def _click_header(drv: Any, key: str) -> None:
    from selenium.webdriver.common.by import By

    drv.find_element(By.CSS_SELECTOR, f'#sources-table th[data-key="{key}"] button').click()


def _click(drv: Any, element: Any) -> None:
    """Click as a person would: scroll the element to mid-screen first, clear of the sticky table header."""
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _numbers(values: list[str]) -> list[float]:
    return [float(v) for v in values if v != ""]


def test_report_in_headless_chromium(driver: Any, report: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    path, summary = report
    driver.get(path.as_uri())
    assert driver.title == "cleaner — sources report"
    rows = driver.find_elements(By.CSS_SELECTOR, "#sources-table tbody tr")
    assert len(rows) == summary["batch"]["sources"]
    before = [r.get_attribute("data-source") for r in rows]
    assert before == [s["source"] for s in summary["sources"]]  # most documents first

    # numeric sort: largest first on the first click (a text sort would put "5" above "25")
    _click_header(driver, "documents")
    docs = _numbers(_column(driver, "documents"))
    assert docs == sorted(docs, reverse=True) and docs != sorted(docs, key=str, reverse=True)

    _click_header(driver, "boilerplate")
    shares = _numbers(_column(driver, "boilerplate"))
    assert shares == sorted(shares, reverse=True)
    expected = sorted(summary["sources"], key=lambda s: -(s["boilerplate"]["mean"] or -1))
    after = [r.get_attribute("data-source") for r in driver.find_elements(By.CSS_SELECTOR, "#sources-table tbody tr")]
    assert after != before and after[0] == expected[0]["source"]
    th = driver.find_element(By.CSS_SELECTOR, '#sources-table th[data-key="boilerplate"]')
    assert th.get_attribute("aria-sort") == "descending"
    _click_header(driver, "boilerplate")  # second click reverses
    assert _numbers(_column(driver, "boilerplate")) == sorted(shares)
    assert th.get_attribute("aria-sort") == "ascending"

    # an unknown figure ("—", never computed) sorts last both ways
    _click_header(driver, "incoherent")
    inc = _column(driver, "incoherent")
    known = [v for v in inc if v != ""]
    assert inc[: len(known)] == known and _numbers(known) == sorted(_numbers(known), reverse=True)

    _click_header(driver, "source")
    names = _column(driver, "source")
    assert names == sorted(names, key=str.lower)

    # the plots and the copy graph are drawn, with an edge label per copying pair
    assert driver.find_element(By.ID, "plot-boilerplate").is_displayed()
    assert driver.find_element(By.ID, "plot-flags").is_displayed()
    labels = driver.find_elements(By.CSS_SELECTOR, "#copy-graph text.edge-label")
    assert sorted(int(x.text) for x in labels) == sorted(e["count"] for e in summary["copy_graph"]["edges"])

    shot_dir = tmp_path
    _click_header(driver, "boilerplate")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(shot_dir / "report-top.png"))
    if os.environ.get("CLEANER_WRITE_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        driver.save_screenshot(str(ROOT / "docs" / "report.png"))

    # drill-down: clicking a source opens its worst documents with removed blocks and flag reasons
    worst_site = next(s for s in summary["sources"] if s["source"] == "spamnews.biz")
    index = summary["sources"].index(worst_site)
    detail = driver.find_element(By.ID, f"src-{index}")
    assert detail.get_attribute("open") is None
    assert not detail.find_element(By.CSS_SELECTOR, "article.doc").is_displayed()
    _click(driver, driver.find_element(By.CSS_SELECTOR, '#sources-table tr[data-source="spamnews.biz"] a.open-detail'))
    assert detail.get_attribute("open") is not None
    first_doc = detail.find_element(By.CSS_SELECTOR, "article.doc")
    assert first_doc.is_displayed()
    rule_cells = detail.find_elements(By.CSS_SELECTOR, "table.removed td.rule")
    assert rule_cells and rule_cells[0].is_displayed()
    assert rule_cells[0].text == worst_site["worst"][0]["removed"][0]["rule"]
    flagged = worst_site["worst"][0]["flags"][0]
    assert flagged["flagged"] and flagged["reasons"][0] in first_doc.text
    assert "notably worse than the batch median" in detail.find_element(By.TAG_NAME, "summary").text
    driver.save_screenshot(str(shot_dir / "report-detail.png"))
    assert (shot_dir / "report-detail.png").stat().st_size > 10_000

    # hostile page content is shown as text and never runs
    evil = next(i for i, s in enumerate(summary["sources"]) if s["source"] == "evil.example")
    _click(driver, driver.find_element(By.CSS_SELECTOR, '#sources-table tr[data-source="evil.example"] a.open-detail'))
    evil_detail = driver.find_element(By.ID, f"src-{evil}")
    assert "<script>window.__pwned=1</script>" in evil_detail.find_element(By.CSS_SELECTOR, "article.doc h4").text
    assert "ad.label</td><td>" in evil_detail.find_element(By.CSS_SELECTOR, "td.rule").text
    assert driver.execute_script("return window.__pwned === undefined")
    assert len(driver.find_elements(By.TAG_NAME, "script")) == 1
    assert not driver.find_elements(By.CSS_SELECTOR, "main img, a[href^='javascript']")

    errors = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    assert errors == [], errors
