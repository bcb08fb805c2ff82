"""`newsarchive serve`: browse, search and compare an archive in a web browser (read-only)."""

from __future__ import annotations

import signal

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command()
@archive_argument
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this machine only; 0.0.0.0 serves the network.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another name the server answers to (e.g. behind a reverse proxy); repeatable.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Requests served at once.")
@click.option("--no-update", is_flag=True,
              help="Serve the search index as it is, without first indexing the runs it lacks.")
def serve(archive: str, host: str, port: int, allow_hosts: tuple[str, ...], threads: int, no_update: bool) -> None:
    """Serve ARCHIVE (default data/archive) as a local, read-only web app: outlets with their
    articles per day, coverage and health; runs with their manifests and failures; every article
    with its versions and a side-by-side, word-level diff of any two; the diff of two snapshots;
    the page as captured, replayed sandboxed from the WARC; and full-text search (with or without
    diacritics). Binds 127.0.0.1 unless --host says otherwise. See docs/serve.md.

    \b
    Example:
        newsarchive serve
        newsarchive serve /srv/archive --port 8080
    """
    from pathlib import Path

    from newsarchive.archive import layout as L
    from newsarchive.archive.layout import ArchiveError
    from newsarchive.search.index import search_path, update
    from newsarchive.serve.server import is_loopback, make_server

    with user_errors():
        if not L.is_archive(archive):
            raise ArchiveError(f"{archive}: not an archive (no runs/ folder); give the folder your crawls write to")
        if not no_update or not search_path(archive).exists():
            try:
                report = update(archive)
            except (OSError, ArchiveError) as exc:
                if not search_path(archive).exists():
                    raise
                click.echo(f"warning: the search index could not be brought up to date ({exc}); serving it as it is",
                           err=True)
            else:
                if report.runs:
                    click.echo(f"Search index: {len(report.runs)} run(s), {report.records} record(s) indexed "
                               f"in {report.seconds:.1f}s")
        try:
            server, bound = make_server(Path(archive), host, port, threads, allow_hosts)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                                       "choose another --port") from None
    if not is_loopback(host):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can read the archive "
                   "(read-only). Use the default --host 127.0.0.1 to keep it local.", err=True)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(f"Serving {archive} at http://{shown}:{bound}/ (read-only; Ctrl-C stops)")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("Stopped.")
