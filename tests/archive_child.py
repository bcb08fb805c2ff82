"""Child processes for the archive crash tests (run as scripts; the tests kill them).

    python archive_child.py crawl BASE_URL ARCHIVE RUN_ID      a real crawl, slowed down so it can be killed
    python archive_child.py torn ARCHIVE                       5 records, then SIGKILL in the middle of a line
    python archive_child.py diskfull ARCHIVE LIMIT_BYTES       write until the file-size limit is hit
"""

from __future__ import annotations

import os
import resource
import signal
import sys


def crawl(base: str, archive: str, run_id: str) -> None:
    from newsarchive.crawler import run_crawl

    result = run_crawl([base + "/"], settings={
        "ARCHIVE_DIR": archive, "ARCHIVE_RUN_ID": run_id, "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
        "NEWSARCHIVE_REVISIT": "5200w=0", "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.25,
        "RANDOMIZE_DOWNLOAD_DELAY": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "LOG_LEVEL": "WARNING",
    })
    print("finish_reason", result.finish_reason, flush=True)


def record(i: int, size: int = 2000):
    from newsarchive.article import Article

    return Article(url=f"http://127.0.0.1/bai-viet/{i}.html", title=f"Bài {i}", body=("Nội dung bài viết. " * size)[:size * 3],
                   site="127.0.0.1", fetched_at="2026-03-07T01:00:00+00:00").finalise()


def page(i: int, size: int = 2000) -> dict:
    import base64

    noise = base64.b64encode(os.urandom(size * 5)).decode()  # incompressible, so the WARC file grows fast
    return {"url": f"http://127.0.0.1/bai-viet/{i}.html?page=1", "status": 200,
            "headers": {"Content-Type": ["text/html; charset=utf-8"]},
            "body": ("<html><body>" + noise + "</body></html>").encode(), "request_headers": {},
            "method": "GET", "fetched_at": "2026-03-07T01:00:00+00:00", "protocol": "HTTP/1.1"}


def torn(archive: str) -> None:
    import zstandard

    from newsarchive.archive.writer import RunWriter

    w = RunWriter(archive, "torn-run")
    for i in range(5):
        w.add(record(i), capture=w.capture(page(i)))
    # what a kill in the middle of writing a record leaves: part of a line, part of a WARC record
    w._articles._zst.write(b'{"url":"http://127.0.0.1/bai-viet/5.html","id":"00000000000000')
    w._articles._zst.flush(zstandard.FLUSH_BLOCK)
    import io

    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    half = WARCWriter(buf, gzip=True)
    half.write_record(half.create_warc_record("http://127.0.0.1/x", "resource", payload=io.BytesIO(b"y" * 5000)))
    w._warc._fh.write(buf.getvalue()[: len(buf.getvalue()) // 2])
    w._warc._fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def diskfull(archive: str, limit: int) -> None:
    from newsarchive.archive.lines import DiskFullError
    from newsarchive.archive.writer import RunWriter

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    written = 0
    try:
        with RunWriter(archive, "full-run") as w:
            for i in range(100000):
                w.add(record(i), capture=w.capture(page(i)))
                written += 1
    except DiskFullError as exc:
        print(f"written {written}", flush=True)
        print(f"error: {exc}", flush=True)
        sys.exit(3)
    print("never full", flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "crawl":
        crawl(*sys.argv[2:5])
    elif mode == "torn":
        torn(sys.argv[2])
    elif mode == "diskfull":
        diskfull(sys.argv[2], int(sys.argv[3]))
