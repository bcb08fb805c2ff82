"""`scrapy check` runs the spider's contracts offline: each callback against the bundled sample site,
served on 127.0.0.1 by the check process itself (newsarchive/contracts.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
SCRAPY = Path(sys.executable).with_name("scrapy")


def _check(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run([str(SCRAPY), "check", *args], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)


def test_scrapy_check_runs_every_contract_and_they_pass():
    res = _check("-v")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    for callback in ("parse_robots", "parse_sitemap", "parse_feed", "parse_listing", "parse_article"):
        assert f"[outlet] {callback} (@returns post-hook) ... ok" in out, (callback, out)
    assert "[outlet] parse_article (@scrapes post-hook) ... ok" in out
    assert "Ran 10 contracts" in out and "\nOK" in out


def test_a_contract_fails_when_the_callback_does_not_keep_it():
    # with a date window that excludes every article, the sitemap yields no article request
    res = _check("-a", "since=2030-01-01")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "FAIL: [outlet] parse_sitemap (@returns post-hook)" in out and "Returned 0 requests, expected 13" in out
