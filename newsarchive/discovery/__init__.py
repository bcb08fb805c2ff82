"""Finding an outlet's articles: sitemaps, feeds, listing pages, and telling articles from other pages.

Plain functions over bytes and strings (no Scrapy types), used by ``spiders/outlet.py``:

- ``safexml``: size-capped, gzip-aware XML parsing with no entity expansion and no network;
- ``sitemaps``: robots.txt ``Sitemap:`` lines, sitemap indexes, url sets, Google News sitemaps
  (``news:publication_date``, ``news:title``) and ``lastmod``;
- ``feeds``: RSS 2.0 / Atom / RSS 1.0 entries, and feed links advertised by HTML pages;
- ``listings``: links, pagination ("?page=N", "/trang-N", "Xem thêm", rel=next) and dated items on
  category pages;
- ``classify``: article-or-not for URLs, named ordered rules plus what the outlet's own sitemaps
  and feeds taught;
- ``window``: the --since/--until date window and the dates we know about a URL before fetching it.
"""
