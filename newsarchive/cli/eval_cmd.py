"""`newsarchive eval`: per-field scores of the extractor over a folder of answer keys."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("eval")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("pages_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--no-profiles", is_flag=True, help="Extract without outlet profiles (the generic path only).")
@click.option("--pages", "show_pages", is_flag=True, help="Also print one line per page with its failed fields.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def eval_(gold_dir: str, pages_dir: str, no_profiles: bool, show_pages: bool, as_json: bool) -> None:
    """Score extraction against answer keys (GOLD_FORMAT.md): GOLD_DIR/<site>/<name>.json
    describes PAGES_DIR/<site>/<name>.html (or the .html beside the key).

    Prints title / lead / dates / authors / sources / category exact-match rates, body precision,
    recall and F1 over word 4-gram shingles, image precision / recall and the caption match rate.

    \b
    Example:
        newsarchive eval ../shared/corpus/gold ../shared/corpus/raw
        newsarchive eval tests/fixtures/pages tests/fixtures/pages --no-profiles --pages
    """
    from newsarchive.extract import NotAnArticle, extract_article
    from newsarchive.extract.evaluate import article_prediction, evaluate, load_gold

    if not load_gold(gold_dir):
        raise click.ClickException(f"no answer keys (*.json with title and body) under {gold_dir}")
    registry = None
    if not no_profiles:
        try:
            from newsarchive.sites import load_registry

            registry = load_registry()
        except Exception:
            registry = None

    def extractor(data: bytes, url: str):
        site = None
        if registry is not None and url:
            try:
                site = registry.lookup(url)
            except Exception:
                site = None
        try:
            return article_prediction(extract_article(data, url=url or "http://localhost/", site=site))
        except NotAnArticle:
            return None

    summary, scores = evaluate(gold_dir, pages_dir, extractor)
    summary["profiles"] = not no_profiles and registry is not None
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    if show_pages:
        for s in scores:
            bad = [k for k, ok in s.fields.items() if not ok]
            click.echo(f"{s.page:50s} body F1 {s.body[2]:.3f}  images {s.images[0]}/{s.images[2]}  failed: {', '.join(bad) or '-'}{'  ' + s.error if s.error else ''}")
    click.echo(f"pages: {summary['pages']}  (outlet profiles {'on' if summary['profiles'] else 'off'})")
    for key in ("title", "lead", "published", "modified", "authors", "sources", "category"):
        click.echo(f"{key:16s} {summary[key]:.3f}")
    for key in ("body_precision", "body_recall", "body_f1", "image_precision", "image_recall", "caption_match", "tags_f1"):
        click.echo(f"{key:16s} {summary[key]:.3f}")
    if summary["errors"]:
        click.echo(f"pages without a record: {summary['errors']}")
