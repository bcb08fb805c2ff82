"""Shared bits of the archive commands (snapshot, diff, history, reextract, export, stats, reindex)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Iterator

import click

DEFAULT_ARCHIVE = "data/archive"


def archive_argument(f):
    return click.argument("archive", required=False, default=DEFAULT_ARCHIVE,
                          type=click.Path(file_okay=False))(f)


def archive_option(f):
    return click.option("--archive", "archive", default=DEFAULT_ARCHIVE, show_default=True,
                        type=click.Path(file_okay=False), help="The archive folder.")(f)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Archive problems become one clear line (click.ClickException), warnings go to stderr."""
    from newsarchive.archive.layout import ArchiveError

    root = logging.getLogger("newsarchive")
    if not any(getattr(h, "_archive_cli", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        handler.setLevel(logging.WARNING)
        handler._archive_cli = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.WARNING:
            root.setLevel(logging.WARNING)
    try:
        yield
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"archive index unusable ({exc}); run `newsarchive reindex`") from None
    except ImportError as exc:
        raise click.ClickException(f"{exc.name or exc} is needed for this: pip install 'newsarchive[analysis]'") from None
