"""newsarchive.discovery.coverage: sources and their overlap, and the estimate from article ids."""

from __future__ import annotations

from newsarchive.discovery.coverage import Coverage


def test_sources_only_and_overlap():
    c = Coverage("x.vn")
    for n, sources in enumerate([["sitemap"], ["sitemap", "listing"], ["listing"], ["feed", "listing", "home"]]):
        for s in sources:
            c.found_by(f"k{n}", f"https://x.vn/a-{1000 + n}.html", s)
    per, overlap = c.sources_report()
    assert per == {"sitemap": {"found": 2, "only": 1}, "feed": {"found": 1, "only": 0},
                   "home": {"found": 1, "only": 0}, "listing": {"found": 3, "only": 1}}
    assert overlap == {"feed+home": 1, "feed+listing": 1, "home+listing": 1, "sitemap+listing": 1}


def test_id_gaps_of_a_dense_sequence():
    c = Coverage("x.vn")
    ids = [i for i in range(538900, 538960) if i % 10 != 3]     # every tenth id never listed
    for i in ids:
        c.found_by(f"k{i}", f"https://x.vn/bai-viet-d{i}.html", "listing")
    gaps = c.id_gaps()
    assert gaps["ids"] == len(ids) and gaps["range"] == [538900, 538959]
    assert gaps["estimate"] == 6 and [538903, 538903] in gaps["largest_gaps"]


def test_no_estimate_from_sparse_or_timestamp_ids():
    c = Coverage("x.vn")
    for i in range(30):
        c.found_by(f"k{i}", f"https://x.vn/bai-{1000000 + i * 997}.html", "sitemap")
    assert c.id_gaps()["estimate"] is None
    t = Coverage("x.vn")
    for i in range(30):
        t.found_by(f"k{i}", f"https://x.vn/bai-2026030707{i:02d}19174.htm", "sitemap")
    assert t.id_gaps() is None
    assert Coverage("x.vn").id_gaps() is None
