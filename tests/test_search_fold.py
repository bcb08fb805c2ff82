"""Folding and the query language (newsarchive.search.fold, newsarchive.search.query)."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest

from newsarchive.search.fold import fold, fold_with_offsets, has_diacritics, tokens
from newsarchive.search.query import MAX_QUERY_CHARS, QueryError, parse_filters, parse_query
from newsarchive.search.snippets import highlight, snippet, term_pattern


@pytest.mark.parametrize("text, folded", [
    ("Lâm Đồng", "lam dong"),
    ("LÂM ĐỒNG", "lam dong"),
    ("lam dong", "lam dong"),
    ("Thừa Thiên Huế", "thua thien hue"),
    ("Đắk Lắk, Bà Rịa – Vũng Tàu", "dak lak, ba ria – vung tau"),
    ("ưởng ỹ ơ ặ", "uong y o a"),
])
def test_fold_removes_every_vietnamese_diacritic_and_folds_d_with_stroke(text, folded):
    assert fold(text) == folded


def test_fold_is_the_same_for_composed_and_decomposed_input():
    text = "Thành phố Đà Lạt, tỉnh Lâm Đồng"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == "thanh pho da lat, tinh lam dong"


def test_offsets_point_back_into_the_original_text():
    text = unicodedata.normalize("NFD", "Đà Lạt") + " x"
    folded, where = fold_with_offsets(text)
    assert folded == "da lat x"
    assert len(where) == len(folded)
    start = folded.index("lat")
    assert unicodedata.normalize("NFC", text[where[start]:where[start + 2] + 1]) == "Lạt"


def test_tokens_are_the_words_fts5_unicode61_sees():
    text = fold("Cổ phiếu FLC: 30 tài_khoản, TP.HCM (covid-19)… 5.172 USD/ounce")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.execute("INSERT INTO t VALUES (?)", (text,))
    assert [r[0] for r in db.execute("SELECT term FROM v ORDER BY offset")] == tokens(text)


def test_has_diacritics_ignores_case():
    assert has_diacritics("Lâm Đồng") and has_diacritics("da nẵng")
    assert not has_diacritics("LAM Dong")


def test_words_phrases_prefixes_or_and_exclusions():
    q = parse_query('Lâm Đồng "du lịch" Đà* OR Huế -bão')
    assert [[t.folded for t in g] for g in q.groups] == [[["lam"]], [["dong"]], [["du", "lich"]], [["da"], ["hue"]]]
    assert q.groups[3][0].prefix and not q.groups[3][1].prefix
    assert [t.folded for t in q.excluded] == [["bao"]]
    expr = q.fts()
    assert '"du lich"' in expr and '"da"*' in expr and 'NOT ("bao")' in expr
    assert '{exact} : "lâm"' in expr        # the ranking boost for the spelling as typed


def test_a_word_of_several_parts_is_a_phrase():
    q = parse_query("TP.HCM covid-19")
    assert [t.folded for t in q.terms] == [["tp", "hcm"], ["covid", "19"]]


@pytest.mark.parametrize("text", ["", "   ", "!!! … ——"])
def test_no_words_is_no_query(text):
    assert parse_query(text) is None


@pytest.mark.parametrize("text, message", [
    ("-bão", "at least one word"),
    ("a*", "at least 2 letters"),
    ("x " * (MAX_QUERY_CHARS // 2 + 1), "at most"),
    (" ".join(f"w{i}" for i in range(20)), "at most 16"),
])
def test_bad_queries_are_clear_errors(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_any_typed_text_gives_a_valid_fts5_expression():
    """The user's text never reaches FTS5 as syntax: quotes, brackets, operators and stars are safe."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, lead, body, exact, content='', "
               "tokenize='unicode61 remove_diacritics 0')")
    for text in ['"unclosed', 'a AND b', 'NEAR(a b)', '(x OR', '{title}: y', 'col:val', '"a" * "b"',
                 'x^ y+ z~', "it's", 'OR a', 'a OR', 'a OR OR b', '"" x', 'đ*" OR "', 'ab**']:
        q = parse_query(text)
        if q is not None:
            db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (q.fts(),)).fetchall()


def test_filters_are_checked():
    f = parse_filters("BaoLamDong.vn", "Lâm Đồng", "2026-03-01", "2026-03-07")
    assert f.site == "baolamdong.vn" and f.since.isoformat() == "2026-03-01"
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        parse_filters(since="07/03/2026")
    with pytest.raises(QueryError, match="after"):
        parse_filters(since="2026-03-08", until="2026-03-01")


def test_snippets_highlight_the_original_spelling_around_the_densest_match():
    body = ("Mở đầu bài viết không có từ cần tìm. " * 12 + "Tỉnh Lâm Đồng đón khách; Đà Lạt ở Lâm Đồng. "
            + "Kết thúc bài viết. " * 12)
    pattern = term_pattern(parse_query("lam dong").highlight_terms())
    s = snippet(body, pattern, width=120)
    assert s.cut_start and s.cut_end and len(s.text) <= 150
    assert [s.text[a:b] for a, b in s.spans] == ["Lâm", "Đồng", "Lâm", "Đồng"]
    title = highlight("Lâm Đồng: lâm nghiệp", term_pattern(parse_query("Lâm").highlight_terms()))
    assert [title.text[a:b] for a, b in title.spans] == ["Lâm", "lâm"]
    prefix = highlight("Đà Lạt, Đà Nẵng, đảo", term_pattern(parse_query("da*").highlight_terms()))
    assert [prefix.text[a:b] for a, b in prefix.spans] == ["Đà", "Đà", "đảo"]
