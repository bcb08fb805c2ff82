"""Shared fixtures: a real HTTP server on 127.0.0.1 serving a folder, and the bundled sample site."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from newsarchive.samples.server import SAMPLE_SITE, serve_directory

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
sys.path.insert(0, str(TESTS))  # for `from crawling import run_spider`


@pytest.fixture
def http_server():
    """Call with a folder to serve it on 127.0.0.1 (free port); returns the base URL. Stopped after the test."""
    stack = []

    def serve(directory: str | Path) -> str:
        cm = serve_directory(directory)
        base = cm.__enter__()
        stack.append(cm)
        return base

    yield serve
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture
def sample_site(http_server) -> str:
    """Base URL of the bundled offline sample site, served on 127.0.0.1."""
    return http_server(SAMPLE_SITE)


@pytest.fixture
def crawl_settings(tmp_path):
    """Settings for a fast, local test crawl writing its archive under tmp_path/archive."""
    from archive_helpers import local_crawl_settings

    return local_crawl_settings(tmp_path / "archive")
