"""The `newsarchive` command line: a thin layer over the library.

Each command lives in its own module under ``newsarchive/cli/`` and is listed in ``COMMANDS`` below
(name -> "module:function"); modules are imported only when their command runs, so
``newsarchive --help`` stays fast. Every command's help ends with an ``Example:`` section.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click.Command. Keep alphabetical.
COMMANDS: dict[str, str] = {
    "coverage": "newsarchive.cli.coverage_cmd:coverage",
    "crawl": "newsarchive.cli.crawl_cmd:crawl",
    "date": "newsarchive.cli.date_cmd:date",
    "demo": "newsarchive.cli.demo_cmd:demo",
    "eval": "newsarchive.cli.eval_cmd:eval_",
    "extract": "newsarchive.cli.extract_cmd:extract",
    "sites": "newsarchive.cli.sites_cmd:sites",
    "validate": "newsarchive.cli.validate_cmd:validate",
    "diff": "newsarchive.cli.diff_cmd:diff",
    "export": "newsarchive.cli.export_cmd:export",
    "history": "newsarchive.cli.history_cmd:history",
    "reextract": "newsarchive.cli.reextract_cmd:reextract",
    "reindex": "newsarchive.cli.reindex_cmd:reindex",
    "snapshot": "newsarchive.cli.snapshot_cmd:snapshot",
    "stats": "newsarchive.cli.stats_cmd:stats",
    "runs": "newsarchive.cli.runs_cmd:runs",
    "schedule": "newsarchive.cli.schedule_cmd:schedule",
    "search": "newsarchive.cli.search_cmd:search",
    "serve": "newsarchive.cli.serve_cmd:serve",
}

SHORT_HELP: dict[str, str] = {
    "coverage": "What each outlet's last crawl found, by source, and what it may have missed.",
    "crawl": "Crawl outlets (registry names, domains or URLs) into an archive.",
    "date": "Normalise Vietnamese date strings to ISO-8601.",
    "demo": "Crawl the bundled offline sample site and summarise the archive.",
    "eval": "Score article extraction against answer keys (per-field rates, body F1).",
    "extract": "Extract article records from saved HTML pages.",
    "sites": "List the provincial outlets of the registry.",
    "validate": "Check a JSON Lines archive file against the record schema.",
    "diff": "Articles added, removed and changed between two runs, dates or files.",
    "export": "Export a snapshot as JSON Lines, Parquet or CSV.",
    "history": "Every archived version of one article, with what changed.",
    "reextract": "Re-run extraction over stored WARC captures into a new run.",
    "reindex": "Rebuild the archive index from its runs (seals killed runs).",
    "snapshot": "The latest version of every article as of a run or date.",
    "stats": "Articles per outlet and month, field coverage, errors (table, JSON, plot).",
    "runs": "List an archive's runs (outcome, counts, duration); flag outlets that look broken.",
    "schedule": "Crontab lines or systemd timers for a crawl plan; the scheduled-run wrapper.",
    "search": "Full-text search of the archive (with or without diacritics), filtered, ranked.",
    "serve": "Browse, search and compare the archive in a web browser (local, read-only).",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def main() -> None:
    """newsarchive: crawl and archive Vietnamese provincial news.

    \b
    Example:
        newsarchive demo
        newsarchive extract page.html --url https://lamdongtv.vn/...
    """


def run() -> None:
    """Console-script entry point: user errors become one clear line, never a traceback."""
    main(prog_name="newsarchive")
