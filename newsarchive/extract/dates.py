"""Publication and modification times: the visible date line against the metadata.

Cascade for the visible date line (:func:`find_datelines`):

1. outlet profile selectors, then the ``selectors.DATE`` catalogue, inside the article's scope;
2. :func:`generic_dateline`: the first short element of the scope whose text is mostly a date;
3. the catalogue over the whole page.

:func:`fill_dates` then weighs it against metadata (JSON-LD, ``article:published_time``,
microdata): the visible line wins when it disagrees (with a warning) or adds the time to a
metadata day; a modification time not later than the publication is dropped.
"""

from __future__ import annotations

from datetime import date, datetime, time as dtime
from typing import Any

from newsarchive.article import Article
from newsarchive.extract import body as B
from newsarchive.extract import selectors as S
from newsarchive.extract.lead import HAS_DATE
from newsarchive.extract.text import clean, text_of
from newsarchive.extract.tree import in_noise, in_teaser_link, near_title


SENTENCE_TIME = "+time in the sentence"  # family suffix of a date line's value whose time find_dates read


def date_value(text: str, month_first: bool) -> Any:
    """The date of a date line (``parse_date``, strict). A line that gives only a day but says the
    time elsewhere in its sentence ("Bản tin 19h (ngày 05/01/2022)", "lúc 9h45phút ngày 3 tháng 2
    năm 2015") takes that time, as ``find_dates`` reads it."""
    from newsarchive.dates import VN_TZ, ParsedDate, find_dates, parse_date_detailed

    try:
        parsed = parse_date_detailed(text, tz=VN_TZ, month_first=month_first)
        if type(parsed.value) is date and any(ch.isdigit() for ch in text.replace(str(parsed.value.day), "", 1)):
            for m in find_dates(text, tz=VN_TZ, month_first=month_first):
                if isinstance(m.value, datetime) and m.value.date() == parsed.value:
                    precision = "second" if m.precision == "second" else "minute"  # "19h" is 19:00
                    return ParsedDate(m.value, text, m.span, f"{parsed.family}{SENTENCE_TIME}", precision,
                                      parsed.warnings)
        return parsed
    except Exception:  # the date parser must never take the extractor down
        return None


def _iso(value: Any) -> tuple[str | None, str | None]:
    from newsarchive.dates import VN_TZ, to_iso

    if isinstance(value, datetime):
        return to_iso(value), None
    if isinstance(value, date):
        return to_iso(datetime.combine(value, dtime(0, 0), tzinfo=VN_TZ)), "day"
    return None, None


def _as_dt(value: Any) -> datetime | None:
    from newsarchive.dates import VN_TZ

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    if isinstance(value, date):
        return datetime.combine(value, dtime(0, 0), tzinfo=VN_TZ)
    return None


def find_datelines(page: Any, art: Article) -> None:
    """Step: ``page.date_els``, (parsed, raw text, where) for visible date lines, best first."""
    page.date_els = visible_dates(page, page.scope)


def visible_dates(page: Any, scope: Any) -> list[tuple[Any, str, str]]:
    out = []
    cat = page.catalogue("date", S.DATE)
    for where_scope in (scope, "generic", page.root):
        if where_scope == "generic":
            found = generic_dateline(page, scope)
            if found:
                out.append(found)
                break
            continue
        for selector, comment in cat:
            for el in page.select(where_scope, selector):
                if in_noise(el, where_scope, narrow=True) or B.is_hidden(el) or in_teaser_link(el):
                    continue
                raw = clean(text_of(el))
                if not raw or len(raw) > 120:
                    dt_attr = el.get("datetime")
                    if not dt_attr:
                        continue
                parsed = date_value(raw, page.month_first) if raw and len(raw) <= 120 else None
                if (parsed is None or parsed.value is None) and el.get("datetime"):
                    raw = clean(el.get("datetime"))
                    parsed = date_value(raw, page.month_first)
                    if parsed is not None and parsed.value is not None:
                        out.append((parsed, raw, "time"))
                        page.skip.add(el)
                    continue
                if parsed is None or parsed.value is None:
                    continue
                if parsed.span:
                    raw = raw[parsed.span[0]: parsed.span[1]] if len(raw) > 60 else raw
                out.append((parsed, raw, "visible"))
                page.skip.add(el)
            if out:
                break
        if out:
            break
    return out


def generic_dateline(page: Any, scope: Any) -> tuple[Any, str, str] | None:
    """The first short element in the article's scope whose text is a date (with a time if any)."""
    best = None
    near = near_title(page)
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in B.SKIP_TAGS or el.tag in ("li", "a", "td", "table", "ul"):
            continue
        if el.tag == "p" and el not in near:
            continue  # a paragraph is a date line only right under the headline
        if page.title_el is not None and el is page.title_el:
            continue
        if len(el) > 3 and any(isinstance(child.tag, str) and child.tag in B.BLOCK_TAGS for child in el):
            continue  # a box of blocks, not a line (checked before reading its text: the walk stays linear)
        raw = text_of(el)
        if len(raw) > 400:
            continue
        raw = clean(raw)
        if not raw or len(raw) > 80 or not HAS_DATE.search(raw):
            continue
        if in_noise(el, scope, narrow=True) or in_teaser_link(el) or B.is_hidden(el):
            continue
        parsed = date_value(raw, page.month_first)
        if parsed is None or parsed.value is None:
            continue
        if parsed.span and parsed.span[1] - parsed.span[0] < 0.4 * len(raw) and not S.DATE_HINT.search(B.classes(el)):
            continue  # a date mentioned in a sentence, not a date line
        page.skip.add(el)
        return parsed, raw, "visible"
    return best


def _parse_first(candidates: list[tuple[str, str]]) -> tuple[Any, str, str] | None:
    for raw, where in candidates:
        parsed = date_value(raw, False)
        if parsed is not None and parsed.value is not None:
            return parsed, raw, where
    return None


def fill_dates(page: Any, art: Article) -> None:
    """Step: ``published_*`` and ``modified_*`` from the visible date line and the metadata."""
    md = page.md
    visible = page.date_els
    meta_pub = _parse_first(md.published)
    meta_mod = _parse_first(md.modified)
    vis = visible[0] if visible else None
    chosen = meta_pub
    if vis is not None:
        vdt, mdt = _as_dt(vis[0].value), _as_dt(meta_pub[0].value) if meta_pub else None
        if mdt is None:
            chosen = vis
        elif not isinstance(meta_pub[0].value, datetime) and isinstance(vis[0].value, datetime):
            chosen = vis  # metadata gives the day only; the visible line adds the time
            if vdt.date() != mdt.date():
                page.warnings.append(f"visible date {vis[1]!r} disagrees with {meta_pub[2]} date {meta_pub[1]!r}; kept the visible one")
        elif SENTENCE_TIME in (vis[0].family or "") and isinstance(meta_pub[0].value, datetime):
            chosen = meta_pub  # a time read from the sentence around the date is weaker than a timestamp
        else:
            prec = vis[0].precision or "minute"
            if isinstance(vis[0].value, datetime) and not _same_instant(vdt, mdt, prec):
                page.warnings.append(
                    f"visible date {vis[1]!r} disagrees with {meta_pub[2]} date {meta_pub[1]!r}; kept the visible one"
                )
                chosen = vis
            elif not isinstance(vis[0].value, datetime) and isinstance(meta_pub[0].value, datetime):
                chosen = meta_pub if vdt.date() == mdt.astimezone(vdt.tzinfo).date() else vis
    if chosen is not None:
        parsed, raw, where = chosen
        art.published_at, day = _iso(parsed.value)
        art.published_raw = raw
        art.published_from = where
        art.published_precision = day or parsed.precision or "second"
        page.sources["published_at"] = where
        for w in parsed.warnings or ():
            page.warnings.append(f"published date: {w}")
    if meta_mod is not None:
        parsed, raw, where = meta_mod
        mod = _as_dt(parsed.value)
        pub = _as_dt(chosen[0].value) if chosen else None
        if pub is not None and mod is not None and mod.replace(second=0, microsecond=0) <= pub.replace(second=0, microsecond=0):
            if mod < pub.replace(second=0, microsecond=0):
                page.warnings.append(f"modified time {raw!r} precedes the publication time; dropped")
        else:
            art.modified_at, _ = _iso(parsed.value)
            art.modified_raw = raw
            art.modified_from = where
            page.sources["modified_at"] = where
    if art.published_at is None:
        page.warnings.append("no publication date found")


def _same_instant(a: datetime, b: datetime, precision: str) -> bool:
    if precision == "day":
        return a.date() == b.astimezone(a.tzinfo).date()
    diff = abs((a - b).total_seconds())
    return diff < (60 if precision == "minute" else 1)
