"""`newsarchive extract`: saved HTML pages -> one JSON record per page (JSON Lines)."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _expand(paths: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in (".html", ".htm")))
        else:
            out.append(p)
    return out


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--url", help="URL the page was fetched from (with one page; default: a file:// URL).")
@click.option("--site", "site_name", help="Use this outlet's profile from the site registry (e.g. lamdongtv.vn).")
@click.option("--no-profile", is_flag=True, help="Do not look up an outlet profile for the URL.")
@click.option("--skip-non-articles", is_flag=True, help="Print nothing for pages that are not articles.")
def extract(paths: tuple[str, ...], url: str | None, site_name: str | None, no_profile: bool, skip_non_articles: bool) -> None:
    """Extract article records from saved HTML pages (files or folders of *.html).

    Prints one JSON object per page on standard output (JSON Lines). A page that is not an
    article (home page, category listing, empty or binary file) gives
    {"path": ..., "not_article": reason, "kind": ...} unless --skip-non-articles is set.
    A page is refused only on strong evidence (no text, a clear listing); one the evidence leaves
    in doubt is printed with a low extraction.confidence and a warning (docs/extraction.md).

    \b
    Example:
        newsarchive extract page.html --url https://lamdongtv.vn/tin-tuc/tap-huan-123.html
        newsarchive extract saved_pages/ > articles.jsonl
    """
    from newsarchive.extract import NotAnArticle, extract_article

    files = _expand(paths)
    if not files:
        raise click.ClickException("no HTML files (*.html, *.htm) found under " + ", ".join(paths))
    if url and len(files) > 1:
        raise click.UsageError("--url names the URL of one page; give a single PATH with it")
    profile = None
    if site_name and not no_profile:
        profile = _profile(site_name)
    for f in files:
        page_url = url or f.resolve().as_uri()
        site = profile if profile is not None or no_profile else (_profile(page_url, quiet=True) if url else None)
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {f}: {exc.strerror or exc}")
        try:
            article = extract_article(data, url=page_url, site=site)
        except NotAnArticle as exc:
            if not skip_non_articles:
                click.echo(json.dumps({"path": str(f), "url": page_url, "not_article": exc.reason, "kind": exc.kind}, ensure_ascii=False))
            continue
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))


def _profile(target: str, quiet: bool = False):
    try:
        from newsarchive.sites import load_registry

        registry = load_registry()
        found = registry.lookup(target)
    except Exception as exc:  # registry missing or broken: extract without a profile
        if quiet:
            return None
        raise click.ClickException(f"cannot load the site registry: {exc}")
    if found is None and not quiet:
        raise click.ClickException(f"no outlet profile for {target!r} in the site registry")
    return found
