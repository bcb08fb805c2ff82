"""extract_article: one fetched page -> an Article record, or NotAnArticle.

The cascade is the list :data:`STEPS`, run in order over one :class:`~newsarchive.extract.page.Page`
(all per-page state lives there). Each field has its own module and its own cascade, each step
filling only what is still empty: outlet profile selectors -> structured metadata (JSON-LD,
OpenGraph/meta, microdata) -> CMS selector catalogues (``selectors.py``) -> generic finders.
Exceptions to metadata-first, each for a stated reason:

- title (``title.py``): the visible headline wins over og:title/JSON-LD, which often carry another
  wording or the site name;
- published/modified (``dates.py``): the visible date line wins when it disagrees with metadata (warned);
- authors (``authors.py``): a visible byline wins, because ``meta author`` / JSON-LD often name the outlet.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping
from urllib.parse import urljoin, urlsplit

from newsarchive.article import Article, Extraction
from newsarchive.extract import authors, body, category, classify, dates, images, lead, media, tags, title
from newsarchive.extract.classify import NotAnArticle
from newsarchive.extract.page import Page, load_page

METHOD = "newsarchive-1"

__all__ = ["extract_article", "NotAnArticle", "classify_page", "METHOD", "STEPS"]


def registered_domain(host: str) -> str:
    host = (host or "").lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in {"com", "net", "org", "gov", "edu", "ac", "info", "int", "name", "pro", "biz", "health"} and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def fill_links(page: Page, art: Article) -> None:
    """Step: ``canonical_url`` from ``<link rel=canonical>``, else ``og:url``."""
    for value in (page.md.canonical, page.md.og_url):
        if value:
            try:
                art.canonical_url = urljoin(page.base, value.strip())
            except ValueError:
                continue
            break


_VI_CHARS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def fill_language(page: Page, art: Article) -> None:
    """Step: ``language`` from ``<html lang>`` / meta, else "vi" when the text is Vietnamese."""
    text = art.body or art.title or ""
    art.language = page.md.language or ("vi" if len(_VI_CHARS.findall(text[:2000])) >= 5 else None)


# The cascade, in order. Each step reads what the steps before it found (on the page or the record).
STEPS: list[tuple[str, Callable[[Page, Article], None]]] = [
    ("headline element", title.find_headline),
    ("body container and article scope", body.locate_body),
    ("title", title.fill_title),
    ("lead element", lead.find_lead),
    ("visible date lines", dates.find_datelines),
    ("byline elements", authors.find_byline_elements),
    ("body blocks", body.read_body),
    ("lead from the first block", lead.lead_from_body),
    ("images and captions", images.collect_images),
    ("byline at the end of the body", authors.cut_tail_byline),
    ("authors and sources", authors.fill_byline),
    ("body text", body.join_body),
    ("dates", dates.fill_dates),
    ("category", category.fill_category),
    ("tags", tags.fill_tags),
    ("videos", media.fill_videos),
    ("canonical URL", fill_links),
    ("language", fill_language),
    ("is it an article", classify.judge),
]


def extract_article(
    html: bytes | str,
    *,
    url: str,
    headers: Mapping[str, Any] | None = None,
    site: Any = None,
    final_url: str | None = None,
    reached_as: str | None = None,
) -> Article:
    """Extract an article record from one page. Raises NotAnArticle for pages that are not articles.

    ``site`` is an optional outlet profile: any object or mapping with optional ``selectors``
    (field -> list of CSS selectors; fields: title, lead, body, date, byline, category, tags)
    and ``month_first``. A page is refused only on strong evidence that it is not an article;
    when the evidence is weak it is kept with a low ``extraction.confidence`` and a warning (see
    ``newsarchive.extract.classify``). ``reached_as`` says how a crawl reached the page as an
    article ("sitemap", "feed", "listing"...), for that warning.
    """
    page = load_page(html, url=url, headers=headers, site=site, final_url=final_url, reached_as=reached_as)
    art = Article(url=url, final_url=final_url or url)
    art.site = registered_domain(urlsplit(final_url or url).hostname or "")
    for _name, step in STEPS:
        step(page, art)
    if not art.title:
        page.warnings.append("no headline found")
    art.extraction = Extraction(method=METHOD, warnings=list(dict.fromkeys(page.warnings)), sources=page.sources,
                                confidence=page.confidence)
    return art.finalise()


def classify_page(html: bytes | str, url: str, headers: Mapping[str, Any] | None = None) -> str:
    """"article", or the kind of non-article page ("listing", "no-text", "empty", "binary"...). Never raises."""
    try:
        extract_article(html, url=url, headers=headers)
        return "article"
    except NotAnArticle as exc:
        return exc.kind
    except Exception:
        return "error"
