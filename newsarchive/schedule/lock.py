"""One run at a time per outlet and archive: an flock(2) lock file holding the holder's pid and start time.

    <archive>/.locks/<outlet>.lock

A scheduled run takes the lock without waiting; finding it held, it exits at once with a message
naming the holder and status 75 (EX_TEMPFAIL, "try again later": the next scheduled run will).

Stale locks recover themselves: the kernel releases an flock lock when the last file descriptor
holding it is closed, which includes the death of the process (SIGKILL, crash, OOM-killer, reboot).
A lock file left behind by a killed run is therefore just a file: the next run takes the lock and
overwrites the holder line. Nothing ever has to be deleted by hand, and no pid is ever guessed
alive or dead. (flock locks are not reliable on some network filesystems: keep archives whose
runs are scheduled on a local disk, or one machine per archive.)

The crawl runs as a child process that inherits the locked descriptor, so the lock stays held as
long as either the wrapper or the crawl is alive.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsarchive.schedule.plan import slug

EX_TEMPFAIL = 75
LOCK_DIR = ".locks"


class LockHeld(RuntimeError):
    """Another live run holds the lock."""

    def __init__(self, path: Path, holder: dict[str, Any]):
        self.path = path
        self.holder = holder
        who = (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started_at', '?')}"
               if holder else "another process")
        super().__init__(f"{holder.get('outlet') or path.stem} is already being crawled into "
                         f"{holder.get('archive') or path.parent.parent} ({who}); this run is skipped "
                         f"(lock {path})")


def lock_path(archive: str | Path, outlet: str) -> Path:
    return Path(archive) / LOCK_DIR / f"{slug(outlet)}.lock"


def read_holder(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text("utf-8") or "{}")
    except (OSError, ValueError):
        return {}


class OutletLock:
    """flock-based lock for one outlet in one archive; use as a context manager or acquire()/release()."""

    def __init__(self, archive: str | Path, outlet: str):
        self.archive = Path(archive)
        self.outlet = outlet
        self.path = lock_path(archive, outlet)
        self.fd: int | None = None

    def acquire(self) -> "OutletLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(self.path, read_holder(self.path)) from None
        holder = {
            "pid": os.getpid(), "host": socket.gethostname(), "outlet": self.outlet, "archive": str(self.archive),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode("utf-8"), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "OutletLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
