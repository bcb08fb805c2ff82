"""The archive record: one article as fetched and extracted, plus its images, videos and provenance.

Every field carries its documentation in ``metadata["doc"]``; the JSON Schema shipped in
``newsarchive/schema/article.schema.json`` and ``docs/record.md`` are generated from these
docstrings (``python -m newsarchive.schema``), so the three never drift apart.

Conventions:
- snake_case names; text is Unicode NFC with white space folded;
- timestamps are ISO-8601 strings with an explicit offset (Vietnam time is ``+07:00``);
- each normalised value sits beside the raw string it came from (``published_raw``) and the place
  it was found (``published_from``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


def doc(text: str, default: Any = dataclasses.MISSING, factory: Any = dataclasses.MISSING):
    """A dataclass field whose documentation travels with it (read by the schema generator)."""
    kwargs: dict[str, Any] = {"metadata": {"doc": text}}
    if default is not dataclasses.MISSING:
        kwargs["default"] = default
    if factory is not dataclasses.MISSING:
        kwargs["default_factory"] = factory
    return field(**kwargs)


@dataclass
class ArticleImage:
    """An image inside the article body."""

    url: str = doc("Absolute URL of the image as the page gives it (lazy-load `data-src` resolved).")
    caption: str | None = doc("Caption shown with the image, without the credit; NFC text, or null.", None)
    credit: str | None = doc('Photographer or source credited for the image ("Ảnh: …" split off the caption), or null.', None)
    alt: str | None = doc("The `alt` attribute of the `<img>`, or null.", None)


@dataclass
class ArticleVideo:
    """A video embedded in the article (player iframe, `<video>` element, HLS stream)."""

    url: str = doc("Absolute URL of the player, file or stream.")
    kind: str = doc('One of "youtube", "iframe", "video", "hls".', "iframe")
    poster: str | None = doc("Absolute URL of the poster/thumbnail image, or null.", None)


@dataclass
class Capture:
    """Where the raw HTTP response behind a record is stored (a WARC response record)."""

    warc_file: str = doc("Path of the WARC file, relative to the archive root.")
    offset: int = doc("Byte offset of the response record in the WARC file.")
    length: int = doc("Length in bytes of the (compressed) response record.")
    record_id: str = doc("WARC-Record-ID of the response record, e.g. `<urn:uuid:…>`.")


@dataclass
class Extraction:
    """How the record's fields were obtained."""

    method: str = doc('Extractor that produced the record, e.g. "newsarchive-1" or "simple".', "simple")
    warnings: list[str] = doc("Human-readable warnings raised while extracting (one sentence each).", factory=list)
    sources: dict[str, str] = doc(
        'Where each field came from, e.g. {"title": "h1", "body": "selector:.detail-content"}.', factory=dict
    )
    confidence: float | None = doc(
        "How sure the extractor is that the page is an article, 0 to 1: the share of five kinds of evidence "
        "found (article metadata, a publication date, a visible headline, running text, a byline), one less when "
        "headline links carry three times the page's own words. Under 0.5 the record carries a warning; "
        "null for records of other extractors.", None
    )


@dataclass
class Article:
    """One article page, as fetched and extracted. Serialised as one JSON Lines record."""

    # identity
    url: str = doc("The URL that was requested.")
    id: str = doc(
        "Stable identifier: the first 16 hex digits of sha256 over the canonical URL "
        "(or the final URL when the page names no canonical URL).",
        "",
    )
    canonical_url: str | None = doc('The page\'s `<link rel="canonical">` / `og:url`, absolute, or null.', None)
    final_url: str | None = doc("The URL that answered after redirects.", None)
    site: str | None = doc('Registered domain of the outlet, without "www.", e.g. "lamdongtv.vn".', None)
    outlet: str | None = doc("Outlet name from the site registry, or null when the outlet has no profile.", None)
    province: str | None = doc("Province of the outlet (pre-2025 name) from the site registry, or null.", None)

    # content
    title: str | None = doc("Article headline as shown on the page (not the `<title>` with the site name).", None)
    lead: str | None = doc('Lead paragraph (sapo) as shown, keeping prefixes such as "Lamdongtv.vn -"; or null.', None)
    body: str = doc("Main text: the article's blocks in reading order, joined by one blank line (\\n\\n).", "")
    authors: list[str] = doc("People credited as writers, in page order, without prefixes such as \"PV\" or \"Theo\".", factory=list)
    sources: list[str] = doc('Agencies and outlets credited ("Theo TTXVN" gives "TTXVN").', factory=list)
    byline_raw: str | None = doc("The byline text as found, before splitting into authors and sources; or null.", None)

    # dates
    published_at: str | None = doc(
        "Publication time, ISO-8601 in Vietnam time (+07:00); a time the page gives in another zone is "
        "converted to the same instant in +07:00. "
        "When the page gives only a date this is midnight of that date and `published_precision` is \"day\".",
        None,
    )
    published_raw: str | None = doc("The string `published_at` was parsed from, as found on the page.", None)
    published_from: str | None = doc(
        'Where `published_at` was found: "json-ld", "meta", "microdata", "time", "visible", "sitemap", "feed" or "url".', None
    )
    published_precision: str | None = doc('"second", "minute" or "day": how precise `published_at` is.', None)
    modified_at: str | None = doc("Last-modified time as stated by the page, same format as `published_at`; or null.", None)
    modified_raw: str | None = doc("The string `modified_at` was parsed from.", None)
    modified_from: str | None = doc("Where `modified_at` was found (same values as `published_from`).", None)

    # classification and media
    category: str | None = doc("Section of the article: the deepest breadcrumb or `article:section`; or null.", None)
    tags: list[str] = doc("Tags and keywords of the article, in page order.", factory=list)
    images: list[ArticleImage] = doc("Images inside the article body, in order.", factory=list)
    videos: list[ArticleVideo] = doc("Videos embedded in the article, in order.", factory=list)
    language: str | None = doc('Language of the page, BCP 47 ("vi"), or null.', None)
    word_count: int = doc("Number of words in title, lead and body.", 0)
    content_hash: str | None = doc(
        "sha256 (hex) of the normalised title, lead and body; equal hashes mean the same text.", None
    )

    # capture and run
    fetched_at: str | None = doc("When the page was fetched, ISO-8601 UTC (ending in +00:00).", None)
    http_status: int | None = doc("HTTP status code of the final response.", None)
    run_id: str | None = doc("Identifier of the crawl run that wrote this record.", None)
    version: int = doc("Version of this article in the archive: 1 for the first capture, n+1 when its content changed.", 1)
    capture: Capture | None = doc("Pointer to the raw response in the run's WARC file, or null.", None)
    extraction: Extraction = doc("How the fields were extracted, with warnings.", factory=Extraction)
    schema_version: int = doc("Version of this record format; bumped on any incompatible change.", SCHEMA_VERSION)

    # --- behaviour -------------------------------------------------------------------------
    def finalise(self) -> "Article":
        """Fill the derived fields (id, word_count, content_hash) from the others; returns self."""
        if not self.id:
            self.id = article_id(self.canonical_url or self.final_url or self.url)
        text = self.text_for_hash()
        self.word_count = len(text.split())
        self.content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest() if text.strip() else None
        return self

    def text_for_hash(self) -> str:
        return "\n\n".join(part for part in (self.title, self.lead, self.body) if part)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict ready for JSON (keys in field order); nothing in it is shared with the Article."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Article":
        """Rebuild an Article from `to_dict()` output. Unknown keys are ignored (forward compatible)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["images"] = [ArticleImage(**_known(ArticleImage, i)) for i in values.get("images") or []]
        values["videos"] = [ArticleVideo(**_known(ArticleVideo, v)) for v in values.get("videos") or []]
        if values.get("capture"):
            values["capture"] = Capture(**_known(Capture, values["capture"]))
        values["extraction"] = Extraction(**_known(Extraction, values.get("extraction") or {}))
        return cls(**values)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` for records: dataclasses, lists, tuples and dicts rebuilt as new dicts and
    lists, other values (str, numbers, None) shared. asdict gives the same result through a deep copy of
    every leaf, which made it the largest cost of storing a record in a crawl."""
    cls = type(value)
    if cls in (str, int, float, bool) or value is None:
        return value
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def article_id(url: str) -> str:
    """Stable short id of an article from its canonical URL (scheme and trailing slash ignored)."""
    key = url.strip()
    for prefix in ("https://", "http://"):
        if key.startswith(prefix):
            key = key[len(prefix):]
    if key.startswith("www."):
        key = key[4:]
    key = key.split("#", 1)[0].rstrip("/")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
