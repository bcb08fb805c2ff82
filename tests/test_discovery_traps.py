"""newsarchive.discovery.traps: what is cut, under which rule, and what is left alone."""

from __future__ import annotations

import pytest

from newsarchive.discovery.traps import TrapGuard, is_calendar, path_loops, strip_view_params, view_variant


def test_an_endless_calendar_is_followed_within_its_budget_then_cut():
    guard = TrapGuard(max_calendar_pages=5)
    verdicts = [guard.check(f"https://x.vn/lich-phat-song/2024-06-{d:02d}") for d in range(1, 21)]
    assert verdicts[:5] == [None] * 5 and set(verdicts[5:]) == {"calendar"}
    assert guard.cut["calendar"] == 15 and len(guard.examples["calendar"]) == 5


@pytest.mark.parametrize("url", ["https://x.vn/2024/06/07/", "https://x.vn/tin-tuc/2024/06/",
                                 "https://x.vn/lich?date=2024-06-07", "https://x.vn/search?ngay=07/06/2024",
                                 "https://x.vn/events/tet"])
def test_calendar_shapes(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    assert is_calendar(parts.path, parts.query)


@pytest.mark.parametrize("url", ["https://x.vn/2024/06/07/ten-bai-viet-dai", "https://x.vn/thoi-su?page=3",
                                 "https://x.vn/kinh-te", "https://x.vn/tin?from=20"])
def test_not_calendars(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    assert not is_calendar(parts.path, parts.query)


def test_view_variants_are_read_as_the_page_itself():
    assert view_variant("sort=new") and view_variant("page=2&view=grid") and not view_variant("page=2&cat=5")
    assert strip_view_params("https://x.vn/thoi-su?view=list&page=2&sort=old") == "https://x.vn/thoi-su?page=2"
    guard = TrapGuard()
    read = {"https://x.vn/thoi-su"}
    assert guard.check("https://x.vn/thoi-su?sort=new", known=read.__contains__) == "view_variant"
    # a variant of a page not read otherwise is read itself (Joomla's index.php?view=article&id=5)
    assert guard.check("https://x.vn/index.php?option=com_content&view=article&id=5", known=read.__contains__) is None


def test_looping_paths_and_query_explosions():
    assert path_loops("/tin-tuc/chuyen-muc/chuyen-muc/chuyen-muc/")
    assert path_loops("/" + "/".join(f"a{i}" for i in range(13)))
    assert not path_loops("/thoi-su/chinh-tri/2024/bai-viet")
    guard = TrapGuard(max_query_variants=3)
    verdicts = [guard.check(f"https://x.vn/tim?cat={i}") for i in range(6)]
    assert verdicts == [None, None, None, "query_variants", "query_variants", "query_variants"]
    assert guard.check("https://x.vn/tim?cat=1") is None       # seen variants stay allowed


def test_page_budget():
    guard = TrapGuard(max_pages=3)
    assert [guard.check(f"https://x.vn/muc-{i}") for i in range(5)] == [None, None, None, "page_budget", "page_budget"]
    assert guard.to_dict()["cut"] == {"page_budget": 2}
