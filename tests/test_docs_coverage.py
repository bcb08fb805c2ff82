"""The coverage report shown in docs/crawling.md is the real output of `newsarchive coverage`.

The docs show it for the zoo site of shape ``sitemap_child_fails`` (tests/sitezoo.py); this test
crawls that site and compares, with the host, port and run id written as placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawling import run_spider
from newsarchive.cli import main
from sitezoo import OutsideSite, ZooSite

pytestmark = pytest.mark.timeout(240)
DOC = Path(__file__).parent.parent / "docs" / "crawling.md"
MARK = "<!-- coverage-output: real output of `newsarchive coverage` on the zoo site of shape sitemap_child_fails -->"


def normalise(text: str) -> str:
    text = re.sub(r"http://127\.0\.0\.\d+:\d+", "http://HOST", text)
    text = re.sub(r"127\.0\.0\.\d+", "HOST", text)
    return re.sub(r"\(run [^,]+,", "(run RUN,", text).strip()


def current_output(tmp_path: Path) -> str:
    outside = OutsideSite("127.0.0.7")
    site = ZooSite("sitemap_child_fails", host="127.0.0.43", outside=outside.base)
    try:
        site.start()
        run_spider("outlet", {"ARCHIVE_DIR": str(tmp_path / "archive"), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                              "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0},
                   target=site.start_url)
    finally:
        site.stop()
        outside.stop()
    res = CliRunner().invoke(main, ["coverage", str(tmp_path / "archive")])
    assert res.exit_code == 0, res.output
    return normalise(res.output)


def test_docs_show_the_real_coverage_output(tmp_path):
    text = DOC.read_text("utf-8")
    block = text.split(MARK, 1)[1].split("```", 2)[1].strip()
    assert block == current_output(tmp_path), "docs/crawling.md: regenerate the coverage block (see this test)"
