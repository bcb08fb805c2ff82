"""stats: per outlet and month, date range, field shares, error counts; table, JSON and plot."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive_helpers import article
from newsarchive.archive.stats import archive_stats
from newsarchive.archive.writer import RunWriter
from newsarchive.cli import main


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    with RunWriter(root, "r1") as run:
        run.add(article(1, site="baolamdong.vn", outlet="Báo Lâm Đồng", published="2026-02-27T10:00:00+07:00"))
        run.add(article(2, site="baolamdong.vn", outlet="Báo Lâm Đồng", published="2026-03-01T10:00:00+07:00"))
        run.add(article(3, site="lamdongtv.vn", outlet="Lâm Đồng TV", published="2026-03-02T10:00:00+07:00",
                        lead=None))
        run.add(article(4, site="lamdongtv.vn", outlet="Lâm Đồng TV", published=None))
        run.count("fetch_errors", 2)
        run.count("not_article", 5)
    return root


def test_stats_counts(archive):
    st = archive_stats(archive)
    assert st.articles == 4
    assert st.per_outlet_month == {"Báo Lâm Đồng": {"2026-02": 1, "2026-03": 1},
                                   "Lâm Đồng TV": {"2026-03": 1, "undated": 1}}
    assert st.first_published == "2026-02-27T10:00:00+07:00" and st.last_published == "2026-03-02T10:00:00+07:00"
    assert st.undated == 1
    assert st.field_share["title"] == 1.0 and st.field_share["lead"] == 0.75 and st.field_share["published_at"] == 0.75
    assert st.errors == {"fetch_errors": 2, "not_article": 5}
    assert st.runs == 1 and st.runs_by_status == {"finished": 1}


def test_stats_command_table_json_and_plot(archive, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["stats", str(archive)])
    assert res.exit_code == 0, res.output
    assert "4 articles, 1 runs" in res.output and "Lâm Đồng TV" in res.output and "2026-02" in res.output
    assert "fetch_errors 2" in res.output
    res = runner.invoke(main, ["stats", str(archive), "--json", "--site", "lamdongtv.vn"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["articles"] == 2
    pytest.importorskip("matplotlib")
    png = tmp_path / "per-day.png"
    res = runner.invoke(main, ["stats", str(archive), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
