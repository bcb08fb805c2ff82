"""Structured metadata of a page: JSON-LD, OpenGraph / ``article:*`` meta, other ``<meta>``, microdata.

Each reader returns raw strings with the place they came from; dates are parsed later by
``newsarchive.dates`` so the record can keep ``published_raw`` beside ``published_at``.
Broken JSON-LD (trailing commas, control characters, several objects in one script, HTML
entities) is repaired where possible, otherwise skipped with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from newsarchive.extract.text import clean, text_of

# JSON-LD @type values that describe the article itself.
ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "techarticle", "report", "scholarlyarticle", "webpage/article",
}

# <meta> names/properties giving the publication time, most specific first.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "dc.date.issued",
    "dcterms.created", "dc.date", "date", "sailthru.date", "parsely-pub-date", "og:published_time",
)
# <meta> names/properties giving the last modification time.
MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "datemodified", "og:updated_time",
    "lastmod", "last-modified", "dcterms.modified", "modified_time", "article:updated_time",
)


@dataclass
class Metadata:
    """Raw values read from a page's structured metadata (empty when absent)."""

    title: list[tuple[str, str]] = field(default_factory=list)       # (value, from)
    description: str | None = None
    canonical: str | None = None
    og_url: str | None = None
    og_type: str | None = None
    site_name: str | None = None
    published: list[tuple[str, str]] = field(default_factory=list)   # (raw, from) in cascade order
    modified: list[tuple[str, str]] = field(default_factory=list)
    authors: list[tuple[str, str]] = field(default_factory=list)     # person names, (name, from)
    author_meta: str | None = None                                   # meta name=author (often the outlet)
    section: list[tuple[str, str]] = field(default_factory=list)
    breadcrumb: list[str] = field(default_factory=list)
    tags: list[tuple[list[str], str]] = field(default_factory=list)
    language: str | None = None
    images: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    jsonld_article: bool = False
    warnings: list[str] = field(default_factory=list)


def read_metadata(root: Any, microdata: bool = True) -> Metadata:
    """The page's metadata. ``microdata=False`` leaves the microdata out, for a caller that reads it
    from its own index (:func:`read_microdata` with the elements)."""
    md = Metadata()
    _read_jsonld(root, md)
    _read_meta(root, md)
    if microdata:
        _read_microdata(root, md)
    return md


# --- JSON-LD -------------------------------------------------------------------------------

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_jsonld(text: str) -> tuple[list[Any], bool]:
    """Parse a JSON-LD script. Returns (objects, repaired_or_broken flag)."""
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    if not text:
        return [], False
    try:
        return [json.loads(text)], False
    except (ValueError, RecursionError):
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", text)).replace("\n", " ").replace("\r", " ")
    out: list[Any] = []
    decoder = json.JSONDecoder(strict=False)
    pos = 0
    while pos < len(fixed):
        while pos < len(fixed) and fixed[pos] in " \t,;":
            pos += 1
        if pos >= len(fixed):
            break
        try:
            obj, end = decoder.raw_decode(fixed, pos)
        except (ValueError, RecursionError):
            break
        out.append(obj)
        pos = end
    return out, True


def _walk(obj: Any, depth: int = 0) -> Iterator[dict]:
    if depth > 12:
        return
    if isinstance(obj, list):
        for item in obj:
            yield from _walk(item, depth + 1)
    elif isinstance(obj, dict):
        yield obj
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            if key in obj and isinstance(obj[key], (list, dict)):
                yield from _walk(obj[key], depth + 1)


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {str(x).lower() for x in t}
    return set()


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return clean(value) or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return _str(value.get("name") or value.get("@value"))
    if isinstance(value, list) and value:
        return _str(value[0])
    return None


def _names(value: Any) -> list[tuple[str, bool]]:
    """Names in a JSON-LD author value, with a flag saying whether each is a Person."""
    out: list[tuple[str, bool]] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            name = clean(item)
            if name:
                out.append((name, True))
        elif isinstance(item, dict):
            name = _str(item.get("name"))
            if name:
                out.append((name, "organization" not in _types(item) and "newsmediaorganization" not in _types(item)))
    return out


def _read_jsonld(root: Any, md: Metadata) -> None:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        objects, repaired = parse_jsonld(script.text or "")
        if repaired:
            md.warnings.append("broken JSON-LD " + ("repaired" if objects else "skipped"))
        for obj in objects:
            for node in _walk(obj):
                types = _types(node)
                if "breadcrumblist" in types:
                    _jsonld_breadcrumb(node, md)
                    continue
                if not types & ARTICLE_TYPES:
                    continue
                md.jsonld_article = True
                headline = _str(node.get("headline")) or _str(node.get("name"))
                if headline:
                    md.title.append((headline, "json-ld"))
                for key, target in (("datePublished", md.published), ("dateCreated", md.published), ("dateModified", md.modified)):
                    value = _str(node.get(key))
                    if value and key != "dateCreated":
                        target.append((value, "json-ld"))
                for name, person in _names(node.get("author")):
                    if person:
                        md.authors.append((name, "json-ld"))
                section = _str(node.get("articleSection"))
                if section:
                    md.section.append((section, "json-ld"))
                kw = node.get("keywords")
                if isinstance(kw, str):
                    md.tags.append((_split_keywords(kw), "json-ld"))
                elif isinstance(kw, list):
                    md.tags.append(([clean(str(k)) for k in kw if clean(str(k))], "json-ld"))
                if not md.description:
                    md.description = _str(node.get("description"))


def _jsonld_breadcrumb(node: dict, md: Metadata) -> None:
    items = node.get("itemListElement")
    if not isinstance(items, list):
        return
    rows = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = _str(item.get("name")) or _str(item.get("item"))
        pos = item.get("position")
        try:
            pos = float(pos)
        except (TypeError, ValueError):
            pos = float(i)
        if name:
            rows.append((pos, name))
    if rows and not md.breadcrumb:
        md.breadcrumb = [name for _, name in sorted(rows)]


# --- <meta>, <link>, <html lang> -------------------------------------------------------------

def _split_keywords(text: str) -> list[str]:
    return [t for t in (clean(x) for x in re.split(r"[,;]", text)) if t]


def _read_meta(root: Any, md: Metadata) -> None:
    metas: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        content = el.get("content")
        if key and content is not None and content.strip():
            metas.setdefault(key, []).append(content.strip())

    def first(*keys: str) -> str | None:
        for k in keys:
            if metas.get(k):
                return clean(metas[k][0])
        return None

    for key in PUBLISHED_META:
        for value in metas.get(key, []):
            md.published.append((clean(value), "meta"))
    for key in MODIFIED_META:
        for value in metas.get(key, []):
            md.modified.append((clean(value), "meta"))
    for key, where in (("og:title", "og:title"), ("twitter:title", "twitter:title"), ("title", "meta title")):
        value = first(key)
        if value:
            md.title.append((value, where))
    if not md.description:
        md.description = first("og:description", "description", "twitter:description")
    md.og_url = first("og:url")
    md.og_type = first("og:type")
    md.site_name = first("og:site_name", "application-name")
    md.author_meta = first("author", "article:author", "dc.creator")
    section = first("article:section")
    if section:
        md.section.append((section, "meta"))
    tags = [clean(t) for t in metas.get("article:tag", []) if clean(t)]
    if len(tags) == 1 and "," in tags[0]:
        tags = _split_keywords(tags[0])
    if tags:
        md.tags.append((tags, "article:tag"))
    for key in ("news_keywords", "keywords"):
        if metas.get(key):
            kw = _split_keywords(metas[key][0])
            if kw:
                md.tags.append((kw, "meta " + key))
    for key in ("og:image", "og:image:url", "twitter:image"):
        md.images.extend(metas.get(key, []))
    for key in ("og:video", "og:video:url", "og:video:secure_url", "twitter:player"):
        md.videos.extend(metas.get(key, []))
    lang = None
    html_el = root if root.tag == "html" else root.find(".//html")
    if html_el is not None:
        lang = html_el.get("lang") or html_el.get("xml:lang")
    lang = lang or first("content-language", "language", "og:locale")
    if lang:
        md.language = lang.strip().replace("_", "-").split("-")[0].lower() or None
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href") and not md.canonical:
            md.canonical = link.get("href").strip()


# --- microdata ----------------------------------------------------------------------------

MICRODATA_PROPS = ("datePublished", "dateModified", "dateCreated", "headline")


def _read_microdata(root: Any, md: Metadata) -> None:
    read_microdata(root.xpath("//*[@itemprop]"), md)


def read_microdata(elements: Any, md: Metadata) -> None:
    """Dates and headline of the microdata ``itemprop`` elements given, in document order."""
    for el in elements:
        if el.tag == "meta":
            continue
        prop = el.get("itemprop", "").strip()
        if prop in ("datePublished", "dateModified", "dateCreated"):
            value = el.get("datetime") or el.get("content") or text_of(el)
            value = clean(value)
            if value and len(value) < 80:
                (md.published if prop != "dateModified" else md.modified).append((value, "microdata"))
        elif prop == "headline":
            value = clean(el.get("content") or text_of(el))
            if value and len(value) < 400:
                md.title.append((value, "microdata"))
