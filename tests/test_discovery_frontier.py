"""newsarchive.discovery.frontier: the decisions, without Scrapy or a network.

Each test plays a crawl by hand: it feeds the frontier what fetches would have brought (pages parsed
with the real listing and sitemap readers) and checks what it asks to fetch next and what it accounts.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from newsarchive.crawlstate import CrawlState
from newsarchive.dates import VN_TZ
from newsarchive.discovery.frontier import ArticleBudget, Fetch, FrontierLimits, OutletFrontier
from newsarchive.discovery.listings import read_listing
from newsarchive.discovery.memory import dumps, loads
from newsarchive.discovery.sitemaps import parse_sitemap
from newsarchive.discovery.window import DateWindow
from newsarchive.sites import profile_for_url

BASE = "https://tinh.example.vn"


def article(n: int) -> str:
    return f"{BASE}/thoi-su/tin-tinh-nha-so-{n}-{700000 + n}.html"


def listing_html(items: list[int], next_url: str | None = None, dated: dict[int, str] | None = None) -> bytes:
    lis = "".join(f'<li><a href="{article(n)}">Tin {n}</a>'
                  + (f' <span>{dated[n]}</span>' if dated and n in dated else "") + "</li>" for n in items)
    nxt = f'<a href="{next_url}">Trang sau</a>' if next_url else ""
    nav = f'<nav><a href="{BASE}/thoi-su">Thời sự</a> <a href="{BASE}/kinh-te">Kinh tế</a></nav>'
    return f"<html><body>{nav}<ul>{lis}</ul>{nxt}</body></html>".encode()


def frontier(**kw) -> OutletFrontier:
    return OutletFrontier(profile_for_url(BASE + "/"), **kw)


def read(f: OutletFrontier, fetch: Fetch, html: bytes):
    return f.listing_read(fetch, read_listing(html, fetch.url, is_article=f.classifier.is_article))


def urls(fetches) -> list[str]:
    return [x.url for x in fetches]


def walk_on(fetches) -> list[Fetch]:
    """The next pages of the walk among fetches (not the sections a page links in its menu)."""
    return [x for x in fetches if x.kind == "listing" and x.depth > 0]


def articles_of(fetches) -> list[str]:
    return [x.url for x in fetches if x.kind == "article"]


def test_start_reads_robots_and_the_home_page():
    f = frontier()
    got = f.start()
    assert [(x.kind, x.url) for x in got] == [("robots", BASE + "/robots.txt"), ("home", BASE + "/")]


def test_every_source_feeds_one_frontier_and_each_article_is_requested_once():
    f = frontier()
    home = next(x for x in f.start() if x.kind == "home")
    out = read(f, home, listing_html([1, 2]))
    assert set(urls(x for x in out.fetches if x.kind == "article")) == {article(1), article(2)}
    sections = [x for x in out.fetches if x.kind == "listing"]
    assert {x.url for x in sections} == {BASE + "/thoi-su", BASE + "/kinh-te"}
    sitemap = parse_sitemap(("<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                             + "".join(f"<url><loc>{article(n)}</loc></url>" for n in (2, 3))
                             + "</urlset>").encode(), BASE)
    got = f.sitemap_read(Fetch(BASE + "/sitemap.xml", "sitemap"), sitemap)
    assert urls(got) == [article(3)]                       # 2 was requested already, from the home page
    section = next(x for x in sections if x.url.endswith("/thoi-su"))
    got = read(f, section, listing_html([1, 3, 4, 5], next_url=BASE + "/thoi-su/trang-2")).fetches
    assert urls(x for x in got if x.kind == "article") == [article(4), article(5)]
    assert [(x.url, x.depth) for x in got if x.kind == "listing"] == [(BASE + "/thoi-su/trang-2", 1)]
    report = f.report()
    assert report["articles"]["found"] == 5 and report["articles"]["requested"] == 5
    assert report["sources"]["home"] == {"found": 2, "only": 0}
    assert report["sources"]["listing"] == {"found": 4, "only": 2} and report["sources"]["sitemap"]["found"] == 2
    assert report["overlap"]["sitemap+home"] == 1 and report["overlap"]["home+listing"] == 1


def test_a_walk_ends_at_a_page_that_repeats_earlier_ones_and_counts_the_trap():
    f = frontier()
    page1 = f.hub(BASE + "/thoi-su", "home")
    out = read(f, page1, listing_html([1, 2], next_url=BASE + "/thoi-su/trang-2")).fetches
    (page2,) = walk_on(out)
    out = read(f, page2, listing_html([1, 2], next_url=BASE + "/thoi-su/trang-3")).fetches
    assert walk_on(out) == []
    assert f.traps.cut["endless_pagination"] == 1
    assert f.report()["walks"]["ended_repeating"] == 1 and f.report()["whole_site"] is True


def test_a_walk_stops_where_every_new_article_is_older_than_since():
    since = datetime(2024, 6, 1, tzinfo=VN_TZ)
    f = frontier(window=DateWindow(since=since))
    page1 = f.hub(BASE + "/thoi-su", "home")
    old = {1: "20/05/2024 08:00", 2: "19/05/2024 09:00"}
    out = read(f, page1, listing_html([1, 2], next_url=BASE + "/thoi-su/trang-2", dated=old)).fetches
    assert articles_of(out) == [] and walk_on(out) == []   # no article in the window, no next page
    assert f.report()["articles"]["out_of_window"] == 2 and f.report()["walks"]["stopped_older"] == 1


def test_an_undated_walk_under_since_holds_its_next_page_until_the_dates_are_known():
    since = datetime(2024, 6, 1, tzinfo=VN_TZ)
    f = frontier(window=DateWindow(since=since))
    page1 = f.hub(BASE + "/thoi-su", "home")
    out = read(f, page1, listing_html([1, 2], next_url=BASE + "/thoi-su/trang-2")).fetches
    assert articles_of(out) == [article(1), article(2)] and walk_on(out) == [] and f.holding == 1
    assert f.article_done(article(1), datetime(2024, 6, 5, tzinfo=VN_TZ), "archived") == []
    released = f.article_done(article(2), datetime(2024, 5, 1, tzinfo=VN_TZ), "archived")
    assert urls(released) == [BASE + "/thoi-su/trang-2"] and f.holding == 0   # one of them in the window


def test_the_page_budget_cuts_a_walk_and_the_next_run_resumes_it():
    f = frontier(limits=FrontierLimits(max_listing_pages=2))
    page1 = f.hub(BASE + "/thoi-su", "home")
    out = read(f, page1, listing_html([1], next_url=BASE + "/thoi-su/trang-2")).fetches
    (page2,) = walk_on(out)
    assert walk_on(read(f, page2, listing_html([2], next_url=BASE + "/thoi-su/trang-3")).fetches) == []
    report = f.report()
    assert report["walks"]["cut_budget"] == 1 and report["whole_site"] is False
    assert report["unreached"]["listed"][0]["url"] == BASE + "/thoi-su/trang-3"
    memory = loads(dumps([f.memory_out("r1")]))[f.name]
    nxt = frontier(memory=memory).start()
    assert (BASE + "/thoi-su/trang-3", 2, "resume") in [(x.url, x.depth, x.source) for x in nxt]


def _archived_state(*ns: int) -> CrawlState:
    state = CrawlState(now=datetime.now(timezone.utc))
    for n in ns:
        state.remember(article(n), None, datetime(2024, 1, 1, tzinfo=VN_TZ),
                       datetime.now(timezone.utc) - timedelta(days=3))
    return state


def _walk_once(f: OutletFrontier, pages: list[list[int]]) -> None:
    fetch = f.hub(BASE + "/thoi-su", "home")
    for i, items in enumerate(pages):
        nxt = f"{BASE}/thoi-su/trang-{i + 2}" if i + 1 < len(pages) else None
        out = read(f, fetch, listing_html(items, next_url=nxt)).fetches
        for x in out:
            if x.kind == "article":
                f.article_done(x.url, None, "archived")
        fetch = next(iter(walk_on(out)), None)


def test_an_incremental_walk_stops_in_known_territory_and_still_counts_what_it_listed():
    first = frontier(state=CrawlState())
    _walk_once(first, [[1, 2], [3, 4], [5, 6]])
    memory = loads(dumps([first.memory_out("r1")]))[first.name]
    sighted: list[str] = []
    again = frontier(state=_archived_state(1, 2, 3, 4, 5, 6), memory=memory, sighted=sighted.append)
    fetch = next(x for x in again.start() if x.kind == "listing" and x.url.endswith("/thoi-su"))
    out = read(again, fetch, listing_html([1, 2], next_url=BASE + "/thoi-su/trang-2")).fetches
    assert walk_on(out) == []                                             # page 2 and 3 are not read again
    assert set(sighted) == {article(n) for n in range(1, 7)}             # ... but their articles are listed still
    assert again.report()["whole_site"] is True


def test_without_a_complete_walk_behind_it_an_incremental_walk_goes_on():
    state = _archived_state(1, 2, 3, 4)
    f = frontier(state=state)
    page1 = f.hub(BASE + "/thoi-su", "home")
    out = read(f, page1, listing_html([1, 2], next_url=BASE + "/thoi-su/trang-2")).fetches
    assert urls(walk_on(out)) == [BASE + "/thoi-su/trang-2"]


def test_a_document_unchanged_since_the_last_run_counts_what_it_listed_then():
    first = frontier(state=CrawlState())
    sitemap = parse_sitemap(("<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                             + "".join(f"<url><loc>{article(n)}</loc></url>" for n in (1, 2, 3)) + "</urlset>").encode())
    doc = Fetch(BASE + "/sitemap.xml", "sitemap")
    first.sitemap_read(doc, sitemap, etag='"v1"')
    memory = loads(dumps([first.memory_out("r1")]))[first.name]
    sighted: list[str] = []
    again = frontier(state=_archived_state(1, 2, 3), memory=memory, sighted=sighted.append)
    asked = again.robots_read([BASE + "/sitemap.xml"])[0]
    assert asked.headers == {"If-None-Match": '"v1"'}
    assert again.not_modified(asked) == []
    assert sorted(sighted) == sorted(article(n) for n in (1, 2, 3))
    assert again.report()["whole_site"] is True


def test_a_failed_document_and_a_feed_alone_are_not_a_whole_view():
    f = frontier()
    f.document_failed(Fetch(BASE + "/sitemap-2.xml", "sitemap"), "http_5xx", "HTTP 500", 500)
    report = f.report()
    assert report["whole_site"] is False and "1 discovery document(s) failed" in report["partial"][0]
    g = frontier()
    from newsarchive.discovery.feeds import FeedEntry

    g.feed_read(Fetch(BASE + "/rss", "feed"), [FeedEntry(article(1)), FeedEntry(article(2))])
    assert any("no whole-site listing" in p for p in g.report()["partial"])


def test_a_guessed_path_that_is_missing_is_no_failure_and_is_not_guessed_again_for_a_while():
    f = frontier()
    probe = next(x for x in f.robots_read([]) if x.probe and x.kind == "sitemap")
    f.document_failed(probe, "http_4xx", "HTTP 404", 404)
    assert f.report()["failed"]["count"] == 0
    memory = loads(dumps([f.memory_out("r1")]))[f.name]
    again = frontier(memory=memory)
    assert probe.url not in urls(again.robots_read([]))


def test_far_fewer_articles_than_last_time_is_not_a_whole_view():
    first = frontier(state=CrawlState())
    _walk_once(first, [list(range(1, 31))])
    memory = loads(dumps([first.memory_out("r1")]))[first.name]
    assert memory.seen == 30
    again = frontier(state=CrawlState(), memory=memory, full=True)
    _walk_once(again, [[1, 2, 3]])                         # the site now shows three articles
    assert any("too sharp a drop" in p for p in again.report()["partial"])


def test_max_articles_is_shared_and_what_it_leaves_is_retried_next_run():
    budget = ArticleBudget(1)
    f = frontier(budget=budget)
    home = next(x for x in f.start() if x.kind == "home")
    got = [x for x in read(f, home, listing_html([1, 2, 3])).fetches if x.kind == "article"]
    assert len(got) == 1 and budget.spent()
    memory = loads(dumps([f.memory_out("r1")]))[f.name]
    assert len(memory.unfinished) == 3                     # 2 over the budget, and 1 not answered yet
    retried = [x for x in frontier(memory=memory).start() if x.kind == "article"]
    assert {x.url for x in retried} == {article(n) for n in (1, 2, 3)} and {x.source for x in retried} == {"retry"}


def test_a_home_page_that_moved_for_good_brings_its_new_host_into_scope_and_reads_its_robots():
    f = frontier()
    assert not f.owns("https://lamdong.example.vn/tin-1234567.html")
    got = f.adopt("https://lamdong.example.vn/")
    assert f.owns("https://lamdong.example.vn/tin-1234567.html")
    assert [(x.kind, x.url) for x in got] == [("robots", "https://lamdong.example.vn/robots.txt")]
    memory = loads(dumps([f.memory_out("r1")]))[f.name]
    assert frontier(memory=memory).owns("https://lamdong.example.vn/a-1234567.html")


def test_traps_are_cut_before_they_are_requested():
    f = frontier(limits=FrontierLimits(max_calendar_pages=2))
    assert f.hub(BASE + "/thoi-su", "home").url == BASE + "/thoi-su"
    assert f.hub(BASE + "/thoi-su?sort=new", "hub") is None                # the page itself is read
    assert f.hub(BASE + "/thoi-su?view=grid", "hub") is None
    cal = [f.hub(f"{BASE}/lich/2024-06-{d:02d}", "hub") for d in range(1, 6)]
    assert sum(1 for c in cal if c is not None) == 2
    assert f.report()["traps"]["cut"] == {"calendar": 3, "view_variant": 2}


def test_a_walk_whose_next_page_is_behind_a_script_is_no_whole_view():
    f = frontier()
    page1 = f.hub(BASE + "/thoi-su", "home")
    html = listing_html([1, 2]).replace(b"</ul>", b"</ul><a href=\"javascript:__doPostBack('p','Page$2')\">2</a>")
    read(f, page1, html)
    report = f.report()
    assert report["walks"]["cut_script_pager"] == 1 and report["whole_site"] is False
    assert "behind a script" in report["unreached"]["listed"][0]["why"]
