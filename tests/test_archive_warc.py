"""WARC captures: request + response records close to the wire, warcinfo, pointers, reading back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive_helpers import fake_page
from newsarchive.archive.warc import CaptureWriter, iter_responses, read_response, warcinfo

WARCIO = Path(sys.executable).with_name("warcio")


def test_request_and_response_records_keep_the_wire_form(tmp_path):
    url = "http://127.0.0.1:8000/bai-viet/tin.html?id=42&trang=2"
    page = fake_page(url, body="Xin chào Lâm Đồng".encode())
    page["url"] = "http://127.0.0.1:8000/tin-cu.html"  # redirected from here
    page["headers"]["Content-Length"] = ["999"]          # what the server sent for the encoded body
    page["headers"]["Transfer-Encoding"] = ["chunked"]
    page["protocol"] = "HTTP/1.0"
    page["status"] = 404
    w = CaptureWriter(tmp_path / "c.warc.gz", tmp_path, warcinfo("newsarchive/test", "run-x"))
    cap = w.capture(page)
    w.close()
    assert cap.warc_file == "c.warc.gz" and cap.record_id.startswith("<urn:uuid:")

    with open(tmp_path / "c.warc.gz", "rb") as fh:
        records = [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    _, rh, http, body = records[1]
    assert rh.get_header("WARC-Target-URI") == url
    assert rh.get_header("WARC-Newsarchive-Requested-URI") == "http://127.0.0.1:8000/tin-cu.html"
    assert http.protocol == "HTTP/1.0" and http.statusline == "404 Not Found"
    assert http.get_header("Content-Length") == str(len(body))
    assert http.get_header("X-Newsarchive-Orig-Content-Length") == "999"
    assert http.get_header("X-Newsarchive-Orig-Transfer-Encoding") == "chunked"
    assert http.get_header("Transfer-Encoding") is None
    assert body == "Xin chào Lâm Đồng".encode()
    _, qh, req, _ = records[2]
    assert qh.get_header("WARC-Concurrent-To") == cap.record_id
    assert req.protocol == "GET" and req.statusline == "/bai-viet/tin.html?id=42&trang=2 HTTP/1.0"
    assert req.get_header("Host") == "127.0.0.1:8000" and req.get_header("User-Agent") == "newsarchive-test"

    res = subprocess.run([str(WARCIO), "check", str(tmp_path / "c.warc.gz")], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_pointers_and_iteration_read_the_same_pages(tmp_path):
    w = CaptureWriter(tmp_path / "c.warc.gz", tmp_path, warcinfo("newsarchive/test", "run-x"))
    caps = [w.capture(fake_page(f"http://127.0.0.1/{i}", body=b"<p>%d</p>" % i * 500)) for i in range(5)]
    w.close()
    stored = list(iter_responses(tmp_path / "c.warc.gz"))
    assert [s.record_id for s in stored] == [c.record_id for c in caps]
    assert [(s.offset, s.length) for s in stored] == [(c.offset, c.length) for c in caps]
    for s, c in zip(stored, caps):
        page = read_response(tmp_path, c)
        assert page["body"] == s.page["body"] and page["final_url"] == s.page["final_url"]
        assert s.page["method"] == "GET" and s.page["request_headers"]["User-Agent"] == ["newsarchive-test"]
        assert s.page["fetched_at"] == "2026-03-07T02:00:00+00:00"
