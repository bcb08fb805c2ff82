"""WACZ (Web Archive Collection Zipped, 1.1.1) packages for replay in ReplayWeb.page and pywb, made
with the ``wacz`` package (webrecorder's py-wacz: CDXJ index, datapackage.json with sha256 digests,
pages.jsonl).

- A **run** (``as_of=<run id>`` with ``run=True``): the run's WARC file as it is (every request and
  response of the crawl), plus ``originals.warc.gz`` holding the earlier full responses that its
  revisit records refer to (copied byte for byte from the runs that hold them), so that every
  revisit replays from the package alone.
- A **snapshot** (``as_of`` a date or run, the default the latest): ``snapshot.warc.gz`` with the
  capture (response and request records, copied byte for byte) of the version of every article in
  the snapshot.

``pages/pages.jsonl`` lists the articles (url, capture time, title), which replay tools show as the
collection's pages.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive import layout as L
from newsarchive.archive.dedup import CaptureIndex
from newsarchive.archive.index import Index
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.archive.warc import CaptureWriter, warcinfo


def _ts(iso: str | None) -> str | None:
    from newsarchive.archive.warc import _warc_date

    return _warc_date(iso) if iso else None


def _member(fh, offset: int, length: int) -> bytes:
    fh.seek(offset)
    return fh.read(length)


def _records_at(path: Path, offset: int, length: int) -> tuple[bytes, bytes | None]:
    """The gzip member of the response at (offset, length) and of the request record written right
    after it (its WARC-Concurrent-To names the response), if there is one."""
    with open(path, "rb") as fh:
        response = _member(fh, offset, length)
        fh.seek(offset + length)
        rest = fh.read(1 << 20)
    if not rest:
        return response, None
    try:
        it = ArchiveIterator(io.BytesIO(rest))
        record = next(iter(it))
        record.content_stream().read()
        size = it.get_record_length()
        rid = next(iter(ArchiveIterator(io.BytesIO(response)))).rec_headers.get_header("WARC-Record-ID")
        if record.rec_type == "request" and record.rec_headers.get_header("WARC-Concurrent-To") == rid:
            return response, rest[:size]
    except (StopIteration, Exception):  # noqa: BLE001 - no request record there
        pass
    return response, None


def _new_warc(path: Path, root: Path, name: str, description: str) -> CaptureWriter:
    from newsarchive.archive.runs import now_iso

    info = warcinfo("newsarchive", name, {"description": description})
    return CaptureWriter(path, root, info, started_at=now_iso())


def _pages_file(pages: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Articles"}) + "\n")
        for page in pages:
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")


def _revisit_targets(warc: Path) -> Iterator[tuple[str | None, str, str | None]]:
    with open(warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "revisit":
                h = record.rec_headers
                yield (h.get_header("WARC-Refers-To"), h.get_header("WARC-Refers-To-Target-URI"),
                       h.get_header("WARC-Payload-Digest"))


def _run_package(root: Path, run_id: str, work: Path) -> tuple[list[Path], list[dict], str]:
    run = L.run_dir(root, run_id)
    warc = run / L.CAPTURES
    if not warc.exists():
        raise ArchiveError(f"run {run_id} has no captures")
    files = [warc]
    index = Index.open(root)
    try:
        captures = CaptureIndex(index.db, root)
        captures.catch_up()
        own = L.relative(root, warc)
        wanted = {}
        for refers_to, url, digest in _revisit_targets(warc):
            earlier = (captures.by_record_id(refers_to) if refers_to else None) or captures.lookup(url, digest or "")
            if earlier is not None and earlier.warc_file != own:
                wanted[earlier.record_id] = earlier
        if wanted:
            out = _new_warc(work / "originals.warc.gz", work, f"{run_id}-originals",
                            f"the earlier responses the revisit records of run {run_id} refer to")
            for earlier in sorted(wanted.values(), key=lambda e: (e.warc_file, e.offset)):
                response, request = _records_at(root / earlier.warc_file, earlier.offset, earlier.length)
                out.append_members([m for m in (response, request) if m])
            out.close()
            files.append(work / "originals.warc.gz")
        # the run's articles: new and changed records, and those re-fetched unchanged
        pages = []
        for v in index.db.execute("SELECT url, final_url, fetched_at, title FROM versions WHERE run_id = ?", (run_id,)):
            pages.append({"url": v[1] or v[0], "ts": _ts(v[2]), "title": v[3]})
        for row in index.db.execute(
                "SELECT s.url, s.fetched_at, v.title, v.final_url FROM sightings s JOIN versions v "
                "ON v.id = s.id AND v.version = s.version WHERE s.run_id = ? AND s.listed = 0 AND v.run_id != ?",
                (run_id, run_id)):
            pages.append({"url": row[3] or row[0], "ts": _ts(row[1]), "title": row[2]})
    finally:
        index.close()
    return files, [p for p in pages if p["url"]], f"newsarchive run {run_id}"


def _snapshot_package(root: Path, work: Path, **snapshot_args) -> tuple[list[Path], list[dict], str]:
    out = _new_warc(work / "snapshot.warc.gz", work, "snapshot",
                    "the captures of the articles of a newsarchive snapshot")
    pages = []
    for rec in iter_snapshot(root, **snapshot_args):
        cap = rec.get("capture")
        if not cap:
            continue
        response, request = _records_at(root / cap["warc_file"], cap["offset"], cap["length"])
        out.append_members([m for m in (response, request) if m])
        pages.append({"url": rec.get("final_url") or rec["url"], "ts": _ts(rec.get("fetched_at")),
                      "title": rec.get("title")})
    out.close()
    return [work / "snapshot.warc.gz"], pages, "newsarchive snapshot"


def export_wacz(root: str | Path, out: str | Path, *, as_of: str | None = None, run: bool = False,
                site: str | None = None, cumulative: bool = False) -> int:
    """Pack a run (`run=True`, `as_of` its id) or a snapshot into the WACZ file `out`; returns the
    number of pages (articles) listed."""
    try:
        from wacz.main import main as wacz_main
    except ImportError:
        raise ArchiveError("WACZ needs the wacz package: pip install 'newsarchive[analysis]'") from None
    root, out = Path(root), Path(out)
    if not L.is_archive(root):
        raise ArchiveError(f"{root}: not an archive (no runs/ folder)")
    with tempfile.TemporaryDirectory(prefix="newsarchive-wacz-") as tmp:
        work = Path(tmp)
        if run:
            if not as_of:
                raise ArchiveError("a run's WACZ needs the run id (--as-of RUN)")
            run_id = _run_id(root, as_of)
            files, pages, title = _run_package(root, run_id, work)
        else:
            files, pages, title = _snapshot_package(root, work, as_of=as_of, site=site, cumulative=cumulative)
        pages_path = work / "pages.jsonl"
        _pages_file(pages, pages_path)
        target = work / "out.wacz"
        args = ["create", "-o", str(target), "-p", str(pages_path), "--title", title, *map(str, files)]
        log = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            status = wacz_main(args)
        if status not in (0, None) or not target.exists():
            raise ArchiveError(f"the wacz package could not pack {out}: {log.getvalue().strip()[-500:]}")
        tmp_out = out.with_name(out.name + ".tmp")
        shutil.move(str(target), tmp_out)
        os.replace(tmp_out, out)
    return len(pages)


def _run_id(root: Path, as_of: str) -> str:
    names = [p.name for p in L.list_run_dirs(root)]
    matches = [n for n in names if n == as_of] or [n for n in names if n.startswith(as_of)]
    if len(matches) != 1:
        raise ArchiveError(f"{as_of!r} names {'no run' if not matches else 'several runs'} of {root}")
    return matches[0]
