"""Article extraction: one fetched page -> an ``Article`` record (or ``NotAnArticle``).

``extract_article(html, url=..., headers=None, site=None)`` is a pure function of its inputs; see
``newsarchive.extract.core`` for the cascade and ``docs/extraction.md`` for the rules.
"""

from newsarchive.extract.core import METHOD, NotAnArticle, classify_page, extract_article

ExtractResult = "Article"  # extract_article returns newsarchive.article.Article

__all__ = ["extract_article", "NotAnArticle", "classify_page", "METHOD"]
