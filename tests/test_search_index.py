"""The search index: kept up to date by each run, rebuilt by reindex, filtered, ranked, and finding what a
plain scan of the records finds; `newsarchive search` in the terminal and as JSON."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from archive_helpers import article
from newsarchive.archive import layout as L
from newsarchive.archive.writer import RunWriter
from newsarchive.cli import main
from newsarchive.search import fold, open_readonly, parse_filters, parse_query, rebuild, search, update
from newsarchive.search.index import SEARCH, unpack
from serve_helpers import EDIT, latest_records, sample_archive, scan


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_archive(tmp_path_factory)


def ids(results) -> set[str]:
    return {h.id for h in results.hits}


def find(archive, text, **filters):
    db = open_readonly(archive)
    try:
        return search(db, parse_query(text), parse_filters(**filters), per_page=100)
    finally:
        db.close()


# --- on the sample archive (two real crawls) --------------------------------------------------------

QUERIES = [["Đà Nẵng"], ["da nang"], ["ma túy"], ["ma tuy"], ["cổ phiếu"], ["co phieu"], ["Thanh Hóa"],
           ["thanh hoa"], ["giá", "vàng"], ["gia", "vang"], ["thị", "trường", "xăng", "dầu"], ["USD"], ["2026"],
           ["Cập", "nhật", "lúc", "15", "giờ"], ["khong", "co", "tu", "nay", "zzzq"]]


@pytest.mark.parametrize("words", QUERIES, ids=" ".join)
def test_search_finds_what_a_plain_scan_of_the_records_finds(sample, words):
    expected = scan(sample["archive"], words)
    got = find(sample["archive"], " ".join(words))
    assert ids(got) == expected and got.total == len(expected), words


def test_with_and_without_diacritics_the_same_articles(sample):
    archive = sample["archive"]
    for typed, plain in (("Đà Nẵng", "da nang"), ("ma túy", "MA TUY"), ("Thanh Hóa", "thanh hoa")):
        a, b = find(archive, typed), find(archive, plain)
        assert ids(a) == ids(b) and a.total >= 1, typed


def test_the_latest_version_is_searched_and_the_edit_is_found(sample):
    archive = sample["archive"]
    got = find(archive, '"cập nhật lúc 15 giờ"')
    assert ids(got) == {sample["edited"]["id"]}
    assert got.hits[0].version == 2
    assert "Cập nhật lúc 15 giờ" in got.hits[0].snippet.text
    marked = [got.hits[0].snippet.text[a:b] for a, b in got.hits[0].snippet.spans]
    assert marked == ["Cập nhật lúc 15 giờ"]          # the phrase, not its words wherever they are


def test_an_article_a_later_crawl_no_longer_found_is_still_searchable(sample):
    removed = sample["removed"]
    words = removed["title"].split()[:4]
    assert removed["id"] in ids(find(sample["archive"], " ".join(words)))


def test_phrase_prefix_or_and_exclusion_agree_with_a_scan(sample):
    archive = sample["archive"]
    both = scan(archive, ["cổ", "phiếu"])
    assert ids(find(archive, "cổ phiếu -vàng")) == both - scan(archive, ["vàng"])
    assert ids(find(archive, "vàng OR xăng")) == scan(archive, ["vàng"]) | scan(archive, ["xăng"])
    phrase = ids(find(archive, '"cổ phiếu"'))
    assert phrase and phrase <= both
    prefix = ids(find(archive, "phiế*"))
    assert prefix >= scan(archive, ["phiếu"])


def test_ranking_prefers_the_title_and_the_spelling_as_typed(sample):
    archive = sample["archive"]
    latest = latest_records(archive)
    first = find(archive, "cổ phiếu").hits[0]
    assert "cổ phiếu" in latest[first.id]["title"].lower()
    # "Đồng" (the place) typed with diacritics: a hit whose title or lead spells it so ranks first
    hits = find(archive, "Đồng").hits
    spelled = [h.id for h in hits if "đồng" in ((latest[h.id].get("title") or "") + (latest[h.id].get("lead") or "")).lower()]
    assert spelled and hits[0].id in spelled


def test_the_crawl_kept_the_index_up_to_date_and_reindex_rebuilds_the_same(sample, tmp_path):
    import shutil

    archive = sample["archive"]
    db = open_readonly(archive)
    runs = {r[0]: r[1] for r in db.execute("SELECT run_id, sealed FROM runs")}
    before = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, version, title FROM docs")}
    db.close()
    assert runs == {"run1": 1, "run2": 1}                     # written by the crawls themselves
    assert len(before) == len(latest_records(archive))
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    (copy / SEARCH).unlink()
    res = CliRunner().invoke(main, ["reindex", str(copy)])
    assert res.exit_code == 0, res.output
    assert f"search index: {len(before)} articles searchable" in res.output
    db = open_readonly(copy)
    assert {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, version, title FROM docs")} == before
    db.close()
    for words in QUERIES[:6]:
        assert ids(find(copy, " ".join(words))) == ids(find(archive, " ".join(words)))


# --- on synthetic archives written through the real writer ----------------------------------------

def _write(root, run_id, items):
    with RunWriter(root, run_id) as run:
        for a in items:
            run.add(a)


def test_each_run_updates_the_index_incrementally(tmp_path):
    _write(tmp_path, "r1", [article(1, body="Đà Lạt mùa hoa dã quỳ."), article(2, body="Giá cà phê tăng.")])
    assert ids(find(tmp_path, "da lat")) == {article(1).id}
    _write(tmp_path, "r2", [article(1, body="Đà Lạt mùa mai anh đào."), article(3, body="Đà Lạt đón khách.")])
    got = find(tmp_path, "Đà Lạt")
    assert ids(got) == {article(1).id, article(3).id}
    assert {h.id: h.version for h in got.hits}[article(1).id] == 2
    assert find(tmp_path, "quỳ").total == 0                   # only the latest version is searched
    db = open_readonly(tmp_path)
    rows = dict(db.execute("SELECT version, changed FROM records WHERE id = ?", (article(1).id,)).fetchall())
    assert json.loads(rows[2]) == ["body"] and rows[1] is None
    db.close()


def test_filters_by_outlet_province_and_dates(tmp_path):
    _write(tmp_path, "r1", [
        article(1, body="Mưa lớn ở Lâm Đồng.", published="2026-03-01T08:00:00+07:00"),
        article(2, body="Mưa lớn ở Đắk Nông.", site="baodaknong.org.vn", province="Đắk Nông",
                published="2026-03-05T23:30:00+07:00"),
        article(3, body="Mưa lớn ở Huế.", site="baothuathienhue.vn", province="Thừa Thiên Huế",
                published="2026-03-09T07:00:00+07:00"),
        article(4, body="Mưa lớn, không rõ ngày.", site="baothuathienhue.vn", published=None),
    ])
    a1, a2, a3, a4 = (article(1).id, article(2, site="baodaknong.org.vn").id, article(3, site="baothuathienhue.vn").id,
                      article(4, site="baothuathienhue.vn").id)
    assert ids(find(tmp_path, "mưa")) == {a1, a2, a3, a4}
    assert ids(find(tmp_path, "mua", site="baothuathienhue.vn")) == {a3, a4}
    assert ids(find(tmp_path, "mua", province="dak nong")) == {a2}
    # Đắk Nông merged into Lâm Đồng in 2025 (the registry): the new province name finds its outlets too
    # (baolamdong.vn is a Lâm Đồng outlet in the registry too, though its records here name no province)
    assert ids(find(tmp_path, "mua", province="Lâm Đồng")) == {a1, a2}
    assert ids(find(tmp_path, "mua", since="2026-03-05")) == {a2, a3}         # the day in the outlet's time
    assert ids(find(tmp_path, "mua", until="2026-03-05")) == {a1, a2}
    assert ids(find(tmp_path, "mua", since="2026-03-02", until="2026-03-08")) == {a2}
    # no query: what the filters select, newest first
    db = open_readonly(tmp_path)
    listed = search(db, None, parse_filters(site="baothuathienhue.vn"))
    db.close()
    assert [h.id for h in listed.hits] == [a3, a4]


def test_pages_are_bounded(tmp_path):
    from newsarchive.search.find import MAX_PER_PAGE
    from newsarchive.search.query import QueryError

    _write(tmp_path, "r1", [article(i, body=f"Tin số {i} về giao thông.") for i in range(25)])
    db = open_readonly(tmp_path)
    try:
        pages = [search(db, parse_query("giao thông"), page=p, per_page=10) for p in (1, 2, 3)]
        assert [len(p.hits) for p in pages] == [10, 10, 5] and pages[0].total == 25 and pages[0].pages == 3
        assert len(set().union(*(ids(p) for p in pages))) == 25
        with pytest.raises(QueryError):
            search(db, parse_query("giao"), per_page=MAX_PER_PAGE + 1)
        with pytest.raises(QueryError):
            search(db, parse_query("giao"), page=100_000)
    finally:
        db.close()


def test_the_index_is_opened_read_only_for_searching(tmp_path):
    _write(tmp_path, "r1", [article(1)])
    db = open_readonly(tmp_path)
    with pytest.raises(sqlite3.OperationalError):
        db.execute("DELETE FROM docs")
    db.close()


def test_a_damaged_or_foreign_index_is_rebuilt_and_a_crawl_never_fails_for_it(tmp_path, caplog):
    _write(tmp_path, "r1", [article(1, body="Lúa gạo.")])
    (tmp_path / SEARCH).write_bytes(b"not a database at all" * 100)
    _write(tmp_path, "r2", [article(2, body="Lúa mì.")])          # the hook rebuilds it
    assert ids(find(tmp_path, "lua")) == {article(1).id, article(2).id}
    db = sqlite3.connect(tmp_path / SEARCH)
    db.execute("UPDATE meta SET value = 'newsarchive-search/0' WHERE key = 'format'")
    db.commit()
    db.close()
    update(tmp_path)                                            # an index of another format: rebuilt
    assert ids(find(tmp_path, "lua")) == {article(1).id, article(2).id}


def test_an_interrupted_run_is_indexed_as_far_as_it_got(tmp_path):
    _write(tmp_path, "r1", [article(1, body="Một.")])
    run = RunWriter(tmp_path, "killed")
    run.add(article(2, body="Hai bài."))
    run._articles.close()                                       # killed: no manifest
    run._lock.release()
    report = update(tmp_path)
    assert report.runs == ["killed"] and ids(find(tmp_path, "hai")) == {article(2).id}
    db = open_readonly(tmp_path)
    assert db.execute("SELECT sealed, lines FROM runs WHERE run_id = 'killed'").fetchone() == (0, 1)
    db.close()
    rebuilt = rebuild(tmp_path)
    assert rebuilt.rebuilt and rebuilt.articles == 2


def test_the_stored_copy_of_a_record_is_the_line_in_its_run(tmp_path):
    _write(tmp_path, "r1", [article(1)])
    from newsarchive.archive.lines import iter_lines

    line = next(iter_lines(L.run_dir(tmp_path, "r1") / L.ARTICLES))[1]
    db = open_readonly(tmp_path)
    data = db.execute("SELECT data FROM records").fetchone()[0]
    db.close()
    assert unpack(data) == json.loads(line)


# --- the command ------------------------------------------------------------------------------------

def test_search_command_terminal_and_json_give_the_same_results(sample):
    archive = str(sample["archive"])
    res = CliRunner().invoke(main, ["search", "đà", "nẵng", "--archive", archive, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    expected = scan(sample["archive"], ["đà", "nẵng"])
    assert {h["id"] for h in data["hits"]} == expected and data["total"] == len(expected)
    hit = data["hits"][0]
    assert {"id", "title", "snippet", "snippet_highlights", "published_at", "site", "url", "score"} <= set(hit)
    s, e = hit["snippet_highlights"][0]
    assert fold(hit["snippet"][s:e]) in ("da", "nang")
    plain = CliRunner().invoke(main, ["search", "da nang", "--archive", archive])
    assert plain.exit_code == 0, plain.output
    assert plain.output.startswith(f"{len(expected)} article")
    for h in data["hits"]:
        assert h["id"] in plain.output


def test_search_command_errors_are_one_clear_line(sample, tmp_path):
    archive = str(sample["archive"])
    res = CliRunner().invoke(main, ["search", "x", "--archive", archive, "--since", "07/03/2026"])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["search", "--archive", archive])
    assert res.exit_code == 2 and "give words" in res.output
    res = CliRunner().invoke(main, ["search", "x", "--archive", str(tmp_path / "nothing")])
    assert res.exit_code == 1 and "not an archive" in res.output



def test_a_broad_query_ranks_the_newest_matches_and_counts_them_all(tmp_path, monkeypatch):
    from newsarchive.search import find as find_module

    for r in range(3):
        _write(tmp_path, f"r{r}", [article(r * 10 + i, body=f"Tin thời sự số {r * 10 + i}.") for i in range(10)])
    monkeypatch.setattr(find_module, "RANK_CAP", 12)
    db = open_readonly(tmp_path)
    try:
        res = search(db, parse_query("thời sự"), per_page=50)
        newest = {r[0] for r in db.execute("SELECT id FROM docs ORDER BY rowid DESC LIMIT 12")}
    finally:
        db.close()
    assert res.total == 30 and res.ranked == 12 and res.capped
    assert ids(res) == newest
    capped = CliRunner().invoke(main, ["search", "thời sự", "--archive", str(tmp_path), "--no-update"])
    assert "most recently archived matches are ranked" in capped.output


def test_date_filters_across_years_and_the_tokens_that_cover_them(tmp_path):
    from datetime import date

    from newsarchive.search.find import period_tokens

    assert period_tokens(date(2024, 11, 5), date(2026, 2, 1)) == ["zm202411", "zm202412", "zy2025", "zm202601",
                                                                 "zm202602"]
    days = ["2024-12-31", "2025-01-01", "2025-06-15", "2025-12-31", "2026-01-01", "2026-03-07"]
    _write(tmp_path, "r1", [article(i, body="Bão số ba.", published=f"{d}T23:59:00+07:00") for i, d in enumerate(days)])
    by_day = {article(i).id: d for i, d in enumerate(days)}
    for since, until in (("2024-12-31", "2025-12-31"), ("2025-01-01", "2026-01-01"), ("2025-06-15", None),
                         (None, "2025-01-01"), ("2026-03-08", None)):
        got = ids(find(tmp_path, "bão", since=since, until=until))
        assert got == {a for a, d in by_day.items() if (since or "0") <= d <= (until or "9")}, (since, until)
