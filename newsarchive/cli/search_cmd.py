"""`newsarchive search QUERY`: full-text search of an archive in the terminal (or as JSON)."""

from __future__ import annotations

import json

import click

from newsarchive.cli.archive_common import archive_option, user_errors


def _styled(marked) -> str:
    out = ["…"] if marked.cut_start else []
    for text, hit in marked.pieces():
        out.append(click.style(text, bold=True, fg="yellow") if hit else text)
    if marked.cut_end:
        out.append("…")
    return "".join(out)


@click.command()
@click.argument("query", nargs=-1)
@archive_option
@click.option("--site", help="Only this outlet's domain, e.g. baolamdong.vn.")
@click.option("--province", help='Only outlets of this province (old or post-2025 name; "Lâm Đồng" = "lam dong").')
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only articles published on or before this day.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100), help="Results per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1), help="Which page of results.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: query, total, page and the hits.")
@click.option("--no-update", is_flag=True, help="Search the index as it is, without first indexing new runs.")
def search(query: tuple[str, ...], archive: str, site: str | None, province: str | None, since: str | None,
           until: str | None, limit: int, page: int, as_json: bool, no_update: bool) -> None:
    """Search the title, lead and body of the latest version of every archived article. Diacritics
    are optional ("Lâm Đồng" and "lam dong" find the same articles; words spelt as typed rank first).
    Words are all required; "quoted words" a phrase; word* a prefix; a OR b; -word excludes. With no
    QUERY, lists the articles the filters select, newest first. The same results as the search page
    of `newsarchive serve`.

    \b
    Example:
        newsarchive search "Lâm Đồng" du lịch
        newsarchive search lam dong --since 2026-03-01 --province "Lâm Đồng" --json
    """
    from newsarchive.archive.layout import ArchiveError
    from newsarchive.search import QueryError, open_readonly, parse_filters, parse_query
    from newsarchive.search import search as run_search
    from newsarchive.search.index import search_path, update

    text = " ".join(query)
    with user_errors():
        try:
            parsed = parse_query(text)
            filters = parse_filters(site, province, since, until)
            if parsed is None and not filters.active():
                raise QueryError("give words to search for, or --site, --province, --since or --until to list articles")
        except QueryError as exc:
            raise click.UsageError(str(exc)) from None
        if not no_update or not search_path(archive).exists():
            try:
                update(archive)
            except (OSError, ArchiveError) as exc:
                if not search_path(archive).exists():
                    raise
                click.echo(f"warning: the search index could not be brought up to date ({exc})", err=True)
        db = open_readonly(archive)
        try:
            try:
                results = run_search(db, parsed, filters, page, limit)
            except QueryError as exc:
                raise click.UsageError(str(exc)) from None
        finally:
            db.close()
    if as_json:
        click.echo(json.dumps({"query": text, "filters": {"site": filters.site, "province": filters.province,
                                                          "since": filters.since and filters.since.isoformat(),
                                                          "until": filters.until and filters.until.isoformat()},
                               "total": results.total, "ranked": results.ranked, "page": results.page, "per_page": results.per_page,
                               "hits": [h.as_dict() for h in results.hits]}, ensure_ascii=False))
        return
    what = f" for “{text}”" if text else ""
    click.echo(f"{results.total} article{'s' if results.total != 1 else ''}{what} "
               f"(page {results.page} of {results.pages}, {results.seconds * 1000:.0f} ms)")
    if results.capped:
        click.echo(f"(the {results.ranked:,} most recently archived matches are ranked; add words or filters to rank all)")
    start = (results.page - 1) * results.per_page
    for n, h in enumerate(results.hits, start + 1):
        click.echo("")
        click.echo(f"{n:>3}. {_styled(h.title)}")
        where = " · ".join(x for x in (h.site, h.outlet, h.province, h.published_at, h.id) if x)
        click.echo(f"     {where}")
        if h.url:
            click.echo(f"     {h.url}")
        if h.snippet.text:
            click.echo(f"     {_styled(h.snippet)}")
