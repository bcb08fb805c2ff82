"""`newsarchive serve` in a real browser: Debian's headless chromium driven through chromedriver
(selenium, with an explicit driver path: nothing is downloaded). An outlet, an article with two versions
and their diff, a snapshot diff, a replayed capture whose own script must not reach the app's origin,
and a search with and without diacritics.

Screenshots of the views go to the test's folder, and to docs/ when NEWSARCHIVE_SCREENSHOTS=docs
(how the README's pictures were made)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from serve_helpers import CANARY, EDIT, sample_archive

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
    reason="Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver; "
           ".ci/run installs them)")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def base(sample):
    from newsarchive.serve.server import running

    with running(sample["archive"]) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    # the flags this machine needs (no network beyond loopback: no background connections at all)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-extensions", "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    # a click or a submit may return before the next page has loaded: lookups wait for what they look for
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


@pytest.fixture
def shot(browser, tmp_path):
    target = os.environ.get("NEWSARCHIVE_SCREENSHOTS")

    def take(name: str) -> Path:
        path = tmp_path / f"{name}.png"
        browser.save_screenshot(str(path))
        assert path.stat().st_size > 5000
        if target:
            dest = ROOT / target / f"serve-{name}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        return path

    return take


def by(css):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def test_an_outlet_with_its_articles_per_day(browser, base, shot):
    browser.get(base + "/")
    assert "Outlets" in browser.title
    shot("outlets")
    browser.find_element(*by('#outlets a[href^="/outlets/"]')).click()
    assert browser.find_element(*by("#outlet-name")).text.startswith("127.0.0.1")
    # a date input's typed form depends on the locale; its value does not
    browser.execute_script("document.querySelector('input[name=since]').value = '2026-01-01'")
    browser.find_element(*by('form.inline button')).click()
    bars = browser.find_elements(*by("svg.chart rect.bar"))
    assert len(bars) >= 2
    assert "articles published from 2026-01-01" in browser.find_element(*by("#chart-total")).text
    assert browser.find_elements(*by("#coverage td")) and browser.find_elements(*by("#articles a"))
    shot("outlet")


def test_an_article_with_two_versions_and_their_word_level_diff(browser, base, sample, shot):
    aid = sample["edited"]["id"]
    browser.get(f"{base}/articles/{aid}")
    rows = browser.find_elements(*by("#versions tbody tr"))
    assert len(rows) == 2
    shot("article")
    browser.find_element(*by("a.diff-link")).click()
    assert "Changed: Body" in browser.find_element(*by("#diff-summary")).text
    inserted = [e.text for e in browser.find_elements(*by("#diff td.right ins"))]
    assert any(EDIT in t for t in inserted), inserted
    assert not any(EDIT in e.text for e in browser.find_elements(*by("#diff td.left")))
    title_row = browser.find_elements(*by("#field-title"))[0]
    assert "unchanged" in title_row.text
    browser.execute_script("document.getElementById('field-body').scrollIntoView();")
    shot("article-diff")


def test_a_snapshot_diff_links_to_the_articles(browser, base, sample, shot):
    browser.get(f"{base}/diff?a=run1&b=run2")
    summary = browser.find_element(*by("#snapshot-summary")).text
    assert "Added 1, removed 1, changed 1" in summary, summary
    shot("snapshot-diff")
    browser.find_element(*by("#tab-removed")).click()
    link = browser.find_element(*by("#changes tr.change-removed a"))
    assert link.get_attribute("href").endswith(f"/articles/{sample['removed']['id']}?v=1")
    browser.find_element(*by("#tab-changed")).click()
    browser.find_element(*by('#changes tr.change-changed a[href*="/diff"]')).click()
    assert any(EDIT in e.text for e in browser.find_elements(*by("#diff td.right ins")))


def test_a_replayed_capture_runs_sandboxed_outside_the_app_origin(browser, base, sample, shot):
    aid = sample["probe"]["id"]
    browser.get(f"{base}/articles/{aid}")
    # what the app's own origin holds: a value in its storage, a cookie
    browser.execute_script("localStorage.setItem(arguments[0], 'app-secret'); document.cookie = 'appsession=42; path=/'",
                           CANARY)
    # scripts off (the default): the captured page's script does not run at all
    browser.find_element(*by("#capture-link")).click()
    frame = browser.find_element(*by("iframe#capture"))
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    assert browser.execute_script("return document.documentElement.getAttribute('data-probe')") is None
    assert "Cổ phiếu FLC" in browser.find_element(*by("body")).text
    browser.execute_script("var h = document.querySelector('h1'); if (h) h.scrollIntoView();")
    browser.switch_to.default_content()
    browser.execute_script("document.querySelector('.banner').scrollIntoView();")
    shot("capture")
    # scripts on: they run, in an opaque origin, and reach nothing of the app's
    browser.find_element(*by("#scripts-on")).click()
    frame = browser.find_element(*by("iframe#capture"))
    assert frame.get_attribute("sandbox") == "allow-scripts"
    browser.switch_to.frame(frame)
    probe = json.loads(browser.execute_script("return document.documentElement.getAttribute('data-probe')"))
    browser.switch_to.default_content()
    assert probe["origin"] == "ok: null", probe                       # an opaque origin, not the app's
    for name in ("parent_document", "parent_cookie", "own_cookie", "set_cookie", "local_storage", "parent_storage",
                 "top_title"):
        assert probe[name].startswith("blocked: "), (name, probe)
    assert browser.title != "pwned" and browser.title.startswith("Capture")
    assert browser.execute_script("return localStorage.getItem(arguments[0])", CANARY) == "app-secret"
    cookies = browser.execute_script("return document.cookie")
    assert "appsession=42" in cookies and "stolen" not in cookies


def test_a_search_with_and_without_diacritics_finds_the_same_articles(browser, base, shot):
    found = []
    for query in ("Đà Nẵng", "da nang"):
        browser.get(base + "/")
        box = browser.find_element(*by('header form.search input[name="q"]'))
        box.send_keys(query)
        box.submit()
        from selenium.webdriver.support.ui import WebDriverWait

        # (submit returns before the results page has loaded, at times: wait for it)
        WebDriverWait(browser, 20).until(lambda b: "/search" in b.current_url
                                         and b.execute_script("return document.readyState") == "complete"
                                         and b.find_elements(*by("#hits li")))
        hits = browser.find_elements(*by("#hits li"))
        assert hits, query
        found.append({h.get_attribute("data-id") for h in hits})
        marks = [m.text for m in browser.find_elements(*by("#hits mark"))]
        assert any(m in ("Đà", "Nẵng", "Đà Nẵng") for m in marks), marks
        if query == "da nang":
            shot("search")
    assert found[0] == found[1]
