"""Random kills: a real `newsarchive crawl` (a subprocess) killed with SIGKILL at a random moment, again
and again, on one archive (chained: each crawl starts on what the killed ones left) and now and then
on a fresh one; after every kill the invariants are checked:

- nothing corrupt: `newsarchive reindex --verify` clean (it seals the killed run, torn tails set
  aside), every record file valid against the schema, every WARC file readable to its end;
- every article archived once: no article has two records (the site never changes, so a second
  version is a duplicate), and nothing archived before the kill is missing after it;
- no false removal: the site removes nothing, so the latest snapshot holds every article archived.

After the kills a last crawl runs to its end: every article of the site is archived, once.

Kill moments are drawn between half the crawl's start-up time and the length of a whole crawl, so
most land while it crawls (each trial says where: before its run opened, while it was being written,
after its manifest). Bounded: the loop runs for ``NEWSARCHIVE_CRASH_SECONDS`` (default 15 s) and at
least 5 trials. The
long version, by hand (figures in docs/archive.md, "Faults and their figures"):

    NEWSARCHIVE_CRASH_TRIALS=150 .venv/bin/python -m pytest -q -s tests/test_crash_loop.py
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from faultserver import FaultSite, article_sources
from newsarchive.archive import layout as L
from newsarchive.archive.lines import iter_lines
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.cli import main
from newsarchive.validate import validate_file

CRAWL = [sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl"]
FAST = ["--allow-private-addresses", "-q", "--revisit", "5200w=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]
SECONDS = float(os.environ.get("NEWSARCHIVE_CRASH_SECONDS", "15"))
TRIALS = int(os.environ.get("NEWSARCHIVE_CRASH_TRIALS", "0"))      # > 0: exactly this many (the long version)
MIN_TRIALS = 5


def start(base: str, archive: Path) -> subprocess.Popen:
    return subprocess.Popen([*CRAWL, base + "/", "--archive", str(archive), *FAST], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def kill(proc: subprocess.Popen, whole_group: bool) -> None:
    try:
        if whole_group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(signal.SIGKILL)       # the main process only; its extraction workers are orphaned
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)
    try:
        os.killpg(proc.pid, signal.SIGKILL)        # (what is left of its session, so that nothing lingers)
    except ProcessLookupError:
        pass


def lock_freed(archive: Path, wait: float = 10.0) -> bool:
    """The killed crawl's lock is free (the kernel frees it once every process of the crawl is gone: its
    extraction workers, spawned, hold no copy of it, but a worker caught between fork and exec does)."""
    from newsarchive.archive.runs import lock_is_held

    deadline = time.monotonic() + wait
    while lock_is_held(archive):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def records(archive: Path) -> list[dict]:
    out = []
    for path in sorted(archive.glob("runs/*/" + L.ARTICLES)):
        out += [json.loads(line) for _, line in iter_lines(path, on_torn=None)]
    return out


def warc_problems(run: Path) -> list[str]:
    from warcio.archiveiterator import ArchiveIterator

    path = run / L.CAPTURES
    if not path.exists():
        return []
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                record.content_stream().read()
    except Exception as exc:  # noqa: BLE001 - any failure to read it through is corruption
        return [f"{path}: {exc}"]
    return []


def check(archive: Path, before: set[str], checked: set[Path]) -> dict[str, int]:
    """The invariants after a kill; returns the counts of what broke them (all 0 when sound).

    Each run's record and WARC files are read through once, when the run is first seen sealed (in
    `checked` afterwards): from then on `reindex --verify` compares every file with the sha256 of its
    manifest, so a later change to any of them is caught."""
    problems = []
    if L.is_archive(archive):        # (killed before its first run opened: nothing written yet)
        res = CliRunner().invoke(main, ["reindex", str(archive), "--verify"])
        if res.exit_code != 0 or "all files match" not in res.output:
            problems.append(f"reindex --verify: {res.output}")
    for run in L.list_run_dirs(archive):
        if run in checked:
            continue
        for path in run.glob("*.jsonl.zst"):
            report = validate_file(path)
            if "rejects" not in path.name and not report.ok:
                problems.append(f"{path}: {report.problems[:3]} {report.fatal}")
        problems += warc_problems(run)
        checked.add(run)
    corrupt = len(problems)
    recs = records(archive)
    ids = Counter(r["id"] for r in recs)
    duplicated = sum(n - 1 for n in ids.values() if n > 1)
    archived = {r["url"] for r in recs}
    lost = len(before - archived)
    snapshot = {r["url"] for r in iter_snapshot(archive)} if L.list_run_dirs(archive) else set()
    falsely_removed = len(archived - snapshot)
    return {"corrupt": corrupt, "duplicated": duplicated, "lost": lost, "falsely_removed": falsely_removed,
            "archived": len(archived), "problems": problems}


@pytest.mark.timeout(300 + 20 * TRIALS)        # (the long version takes longer than the suite's 300 s)
def test_random_sigkills_lose_duplicate_and_corrupt_nothing(tmp_path):
    rng = random.Random(int(os.environ.get("NEWSARCHIVE_CRASH_SEED", "13")))
    small = [p for p in article_sources() if p.stat().st_size < 100_000]      # many articles, quick crawls
    figures = Counter()
    with FaultSite(sources=small, copies=8) as site:
        expected = set(site.article_urls)
        chain = tmp_path / "chain"
        t0 = time.monotonic()
        proc = start(site.base, chain)             # the first crawl of the chain runs to its end: its length
        while not list(chain.glob("runs/*/" + L.RUN_INFO)) and proc.poll() is None:
            time.sleep(0.02)                       # (and its start-up time) give the span kills are drawn from
        startup = time.monotonic() - t0
        _out, err = proc.communicate(timeout=300)
        full = time.monotonic() - t0
        assert proc.returncode == 0, err[-3000:]
        checked: set[Path] = set()
        archived = check(chain, set(), checked)
        assert archived["archived"] == len(expected)
        before = {r["url"] for r in records(chain)}
        deadline = time.monotonic() + SECONDS
        trial = 0
        while (trial < TRIALS) if TRIALS else (trial < MIN_TRIALS or time.monotonic() < deadline):
            trial += 1
            fresh = rng.random() < 0.25
            archive = tmp_path / f"fresh{trial}" if fresh else chain
            runs = set(archive.glob("runs/*"))
            proc = start(site.base, archive)
            time.sleep(rng.uniform(startup / 2, full))
            kill(proc, whole_group=rng.random() < 0.5)
            new = set(archive.glob("runs/*")) - runs
            figures["killed " + ("before its run opened" if not new else "after its manifest"
                                 if (next(iter(new)) / L.MANIFEST).exists() else "while writing its run")] += 1
            assert lock_freed(archive), f"trial {trial}: the archive lock is still held 10 s after the kill"
            result = check(archive, set() if fresh else before, checked)
            for key in ("corrupt", "duplicated", "lost", "falsely_removed"):
                figures[key] += result[key]
                assert result[key] == 0, f"trial {trial}: {key}: {result}"
            figures["trials"] += 1
            figures["fresh"] += fresh
            if not fresh:
                before = {r["url"] for r in records(chain)}
        proc = start(site.base, chain)             # the last crawl of the chain completes the job
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        final = check(chain, before, checked)
        assert {k: final[k] for k in ("corrupt", "duplicated", "lost", "falsely_removed")} == \
            {"corrupt": 0, "duplicated": 0, "lost": 0, "falsely_removed": 0}, final
        recs = records(chain)
        assert sorted(r["url"] for r in recs) == sorted(expected)        # every article, exactly once
        assert {r["url"] for r in iter_snapshot(chain)} == expected
        last = max(chain.glob("runs/*/" + L.MANIFEST), key=lambda p: p.parent.name)
        manifest = json.loads(last.read_text("utf-8"))
        assert manifest["status"] == "finished" and manifest["complete"] is True, manifest.get("partial")
    phases = ", ".join(f"{v} {k}" for k, v in sorted(figures.items()) if k.startswith("killed"))
    print(f"\ncrash loop: {figures['trials']} SIGKILLs ({figures['fresh']} on a fresh archive), {len(expected)} "
          f"articles; lost {figures['lost']}, duplicated {figures['duplicated']}, corrupt {figures['corrupt']}, "
          f"falsely removed {figures['falsely_removed']} ({phases})")
