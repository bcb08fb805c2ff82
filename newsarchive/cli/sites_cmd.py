"""`newsarchive sites`: list the outlets of the registry."""

from __future__ import annotations

import json

import click

from newsarchive.sites import KINDS, RegistryError, load_registry


@click.command("sites")
@click.option("--province", help="Only outlets of this province (before or after the 2025 merger; accents optional).")
@click.option("--kind", type=click.Choice(KINDS), help="Only outlets of this kind.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per outlet (JSON Lines) instead of a table.")
def sites(province: str | None, kind: str | None, as_json: bool) -> None:
    """List the provincial outlets newsarchive knows (name, province, kind, domains).

    The NAME column is what `newsarchive crawl` accepts as a target.

    \b
    Example:
        newsarchive sites --province "Lâm Đồng"
        newsarchive sites --kind broadcaster --json
    """
    try:
        registry = load_registry()
    except RegistryError as exc:
        raise click.ClickException(f"outlet registry is broken: {exc}") from None
    selected = registry.select(province=province, kind=kind)
    if not selected:
        raise click.ClickException(
            f"no outlet matches province={province!r} kind={kind!r} (see `newsarchive sites` for the list)")
    if as_json:
        for p in selected:
            row = p.to_dict()
            row.pop("in_registry", None)
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    width = max(len(p.name) for p in selected)
    for p in selected:
        click.echo(f"{p.name:<{width}}  {p.kind:<11}  {p.province_2025:<18}  {p.outlet_name}")
    click.echo(f"{len(selected)} outlet(s)", err=True)
