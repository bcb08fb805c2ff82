"""Real servers the tests start on 127.0.0.1 (scrapyd, pywb's wayback): a free port, a start that is
waited for, a stop that always happens."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(cmd: list[str], cwd: Path, log_path: Path, ready: Callable[[], bool], what: str,
            timeout: float = 60, env: dict | None = None) -> Iterator[subprocess.Popen]:
    """Start `cmd` (output to `log_path`), wait until `ready()` is true (OSError counts as not yet),
    fail the test with the log if it does not come up; terminate it afterwards."""
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if ready():
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{what} did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
