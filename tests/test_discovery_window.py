"""The --since/--until window and what discovery knows of dates before fetching."""

from newsarchive.discovery.listings import HeldNextPage
from newsarchive.discovery.window import DateWindow, parse_bound


def test_all_older_than_since_needs_one_known_date_and_ignores_unknown_ones():
    window = DateWindow.from_strings("2024-05-08", None)
    may1, may9 = parse_bound("2024-05-01"), parse_bound("2024-05-09")
    assert window.all_older_than_since([may1, None, may1])
    assert not window.all_older_than_since([may1, may9])
    assert not window.all_older_than_since([None, None])      # nothing known: the walk goes on
    assert not window.all_older_than_since([])
    assert not DateWindow.from_strings(None, "2024-05-08").all_older_than_since([may1])   # no --since


def test_held_next_page_is_ready_once_every_waited_article_told_its_date():
    held = HeldNextPage("x", "https://x.vn/thoi-su", "https://x.vn/thoi-su/trang-2", 1,
                        dates={"https://x.vn/a-1234567.html": None}, waiting={"https://x.vn/b-1234568.html",
                                                                          "https://x.vn/c-1234569.html"})
    held.learn("https://x.vn/b-1234568.html", parse_bound("2024-05-01"))
    held.learn("https://x.vn/other-1234560.html", parse_bound("2024-06-01"))   # not on this page: ignored
    assert not held.ready and "https://x.vn/other-1234560.html" not in held.dates
    held.learn("https://x.vn/c-1234569.html", None)
    assert held.ready
    assert DateWindow.from_strings("2024-05-08", None).all_older_than_since(held.dates.values())
