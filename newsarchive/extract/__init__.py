"""Article extraction: one fetched page -> an ``Article`` record (or ``NotAnArticle``).

``extract_article(html, url=..., headers=None, site=None, reached_as=None)`` is a pure function of
its inputs, safe in threads; the cascade is the list ``newsarchive.extract.core.STEPS``, one module
per decision (``title``, ``lead``, ``body``, ``dates``, ``authors``, ``images``, ``category``,
``tags``, ``classify``); ``docs/extraction.md`` gives the rules.
"""

from newsarchive.extract.core import METHOD, STEPS, NotAnArticle, classify_page, extract_article

__all__ = ["extract_article", "NotAnArticle", "classify_page", "METHOD", "STEPS"]
