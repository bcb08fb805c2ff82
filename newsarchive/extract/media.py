"""Images (with captions and credits) and videos inside the article.

Image URLs are the ``<img src>`` unless it is a placeholder (a data: URI, a 1x1 GIF, a "blank"
or "lazy" file), in which case the lazy-load attributes are read in ``LAZY_ATTRIBUTES`` order.
A caption is the text that belongs to the image: the ``<figcaption>`` / caption-class node of its
figure-like wrapper, or the short centred / italic line right under it. The credit ("Ảnh: …",
"Nguồn: …") is split off the end of the caption by :func:`split_credit`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from newsarchive.article import ArticleImage, ArticleVideo
from newsarchive.extract.text import clean

# Lazy-load attributes holding the real image URL, most common first.
LAZY_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-original-src", "data-url", "data-full", "data-srcset", "srcset")
# src values that are placeholders, not the picture.
PLACEHOLDER = re.compile(r"^data:|^about:|blank\.|placeholder|spacer|pixel\.|1x1|grey\.gif|gray\.gif|loading|lazy[-_.]|transparent|empty\.(gif|png)|default\.(gif|png)|\.svg$", re.I)
# File names of page furniture pictures (icons, logos, avatars, buttons).
JUNK_IMAGE = re.compile(r"icon|logo|avatar|avt|button|btn[_-]|spacer|print|email|mail\.|share|facebook|twitter|zalo|rss|arrow|bullet|loading|/emoticons?/|sprite|author_default|\.svg(\?|$)", re.I)
# Credit at the end of a caption: "... - Ảnh: H.Y.T.", "... (Ảnh: Reuters)", "... Ảnh: Hồng Khanh".
CREDIT = re.compile(
    r"(?:^|(?<=[\s.\-–—(]))\(?\s*(?:ảnh|ảnh\s*minh\s*họa|ảnh\s*minh\s*hoạ|nguồn\s*ảnh|nguồn|photo|ảnh\s*chụp\s*màn\s*hình|đồ\s*họa|đồ\s*hoạ|video)\s*:\s*([^():]{1,80}?)\s*\)?\s*\.?\s*$",
    re.I,
)
_URL_IN_TEXT = re.compile(r"""https?:\\?/\\?/[^\s"'<>()]+\.(?:m3u8|mp4)(?:\?[^\s"'<>]*)?""", re.I)


_DESCRIPTOR = re.compile(r"^(\d+(?:\.\d+)?)([wx])$")


def largest_candidate(srcset: str) -> str | None:
    """The biggest picture of a ``srcset`` ("a-320.jpg 320w, a-960.jpg 960w" -> "a-960.jpg"; "2x" over
    "1x"); the first one when none says its size."""
    best, best_size = None, -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits or bits[0].startswith("data:"):
            continue
        size = 0.0
        if len(bits) > 1:
            m = _DESCRIPTOR.match(bits[-1])
            if m:
                size = float(m.group(1)) * (1 if m.group(2) == "w" else 1000)
        if size > best_size:
            best, best_size = bits[0], size
    return best


def _other_lazy_source(img: Any) -> str | None:
    """No known lazy attribute: any other ``data-*`` attribute holding a picture's URL
    ("data-echo", "data-lazyload", "data-hi-res-src"), else the ``<source srcset>`` of its ``<picture>``."""
    for name, value in img.items():
        value = (value or "").strip()
        if name.startswith("data-") and value and not value.startswith("data:") and _IMAGE_FILE.search(value.split()[0]):
            return value.split()[0] if "srcset" not in name else largest_candidate(value)
    parent = img.getparent()
    if parent is not None and parent.tag == "picture":
        for source in parent.iter("source"):
            value = source.get("srcset") or source.get("data-srcset")
            if value:
                return largest_candidate(value)
    return None


def image_url(img: Any, base: str) -> str | None:
    """Absolute URL of the picture an <img> shows (lazy-load attributes resolved), or None."""
    src = (img.get("src") or "").strip()
    if not src or PLACEHOLDER.search(src):
        src = ""
        for attr in LAZY_ATTRIBUTES:
            value = (img.get(attr) or "").strip()
            if value and not value.startswith("data:"):
                if "srcset" in attr:
                    value = largest_candidate(value)
                    if not value:
                        continue
                src = value
                break
    if not src:
        src = _other_lazy_source(img) or ""
    if not src or src.startswith("data:"):
        return None
    try:
        return urljoin(base, src)
    except ValueError:
        return None


def is_junk_image(img: Any, url: str) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().lower().rstrip("px")
        if value.isdigit() and 0 < int(value) < 60:
            return True
    path = urlsplit(url).path if "://" in url else url
    return bool(JUNK_IMAGE.search(path)) or bool(
        JUNK_IMAGE.search(" ".join(filter(None, (img.get("class"), img.get("id")))))
    )


_IMAGE_FILE = re.compile(r"\.(jpe?g|png|gif|webp|bmp|avif)(\?|#|$)", re.I)


def is_teaser_image(img: Any, stop: Any = None) -> bool:
    """A thumbnail inside a link to another page (related-article boxes, teasers): not an article
    photo. A link to the picture file itself (a lightbox / zoom link) does not count."""
    for a in img.iterancestors():
        if a is stop:
            return False
        if a.tag == "a":
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:")):
                return False
            return not _IMAGE_FILE.search(href)
    return False


def split_credit(caption: str | None) -> tuple[str | None, str | None]:
    """(caption, credit): "Một dự án của FLC. Ảnh: Hồng Khanh" -> ("Một dự án của FLC.", "Hồng Khanh")."""
    caption = clean(caption)
    if not caption:
        return None, None
    m = CREDIT.search(caption)
    if not m:
        return caption, None
    credit = clean(m.group(1)).rstrip(".") or None
    rest = clean(caption[: m.start()]).rstrip("-–—( ").strip()
    return (rest or None), credit


def video_kind(url: str) -> str:
    low = url.lower()
    if "youtube.com" in low or "youtu.be" in low or "youtube-nocookie.com" in low:
        return "youtube"
    if ".m3u8" in low:
        return "hls"
    if re.search(r"\.(mp4|webm|ogv|mov)(\?|$)", low):
        return "video"
    return "iframe"


# iframes that are widgets, not videos.
WIDGET_IFRAME = re.compile(r"facebook\.com/plugins/(like|share|comments|page)|googleads|doubleclick|/ads?/|platform\.twitter|zalo\.me/|widget|banner", re.I)


def _video_candidates(scope: Any, attributes: bool) -> Any:
    """The elements that can announce a video: players (found in C), and, when the page mentions a
    stream or a video file at all, any element with one in an attribute."""
    if not attributes:
        return scope.iter("iframe", "video")
    return (el for el in scope.iter() if el.tag in ("iframe", "video") or any(
        ".m3u8" in v or ".mp4" in v for v in el.values()))


def find_videos(scope: Any, base: str, extra_urls: list[str] = (), attributes: bool = True) -> list[ArticleVideo]:
    """Players and streams inside an element: iframes, <video>/<source>, m3u8/mp4 in attributes
    (``attributes=False``: the page's text names no .m3u8 / .mp4, so no attribute is read)."""
    from newsarchive.extract.body import is_noise

    out: list[ArticleVideo] = []
    seen: set[str] = set()

    def add(url: str | None, kind: str | None = None, poster: str | None = None) -> None:
        if not url:
            return
        url = url.strip().replace("\\/", "/")
        if not url or url.startswith(("javascript:", "data:", "about:")):
            return
        try:
            url = urljoin(base, url)
        except ValueError:
            return
        if url in seen:
            return
        seen.add(url)
        out.append(ArticleVideo(url=url, kind=kind or video_kind(url), poster=urljoin(base, poster) if poster else None))

    for el in _video_candidates(scope, attributes):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag in ("iframe", "video") and any(
            is_noise(a) for a in _ancestors_to(el.getparent(), scope) if a is not None
        ):
            continue
        if tag == "iframe":
            src = el.get("src") or el.get("data-src") or ""
            if src and not WIDGET_IFRAME.search(src):
                kind = video_kind(src)
                if kind == "youtube" or re.search(r"video|player|embed|vod|stream|tv|clip", src, re.I):
                    add(src, "youtube" if kind == "youtube" else ("hls" if kind == "hls" else "iframe"))
        elif tag == "video":
            src = el.get("src") or el.get("data-src")
            if src:
                add(src, poster=el.get("poster"))
            for s in el.iter("source"):
                add(s.get("src") or s.get("data-src"), poster=el.get("poster"))
        else:
            for name, value in el.items():
                if not value or (".m3u8" not in value and ".mp4" not in value) or name == "href" or len(value) > 2000:
                    continue
                if ".m3u8" in value or (name.startswith("data-") and re.search(r"\.mp4(\?|$)", value)):
                    m = _URL_IN_TEXT.search(value)
                    add(m.group(0) if m else value.strip())
            if tag == "script" and el.text and (".m3u8" in el.text or ".mp4" in el.text):
                for m in _URL_IN_TEXT.finditer(el.text):
                    add(m.group(0))
    for url in extra_urls:
        add(url)
    return out


def _ancestors_to(el: Any, stop: Any):
    node = el
    while node is not None and node is not stop:
        yield node
        node = node.getparent()


def make_image(url: str, caption: str | None, alt: str | None) -> ArticleImage:
    cap, credit = split_credit(caption)
    return ArticleImage(url=url, caption=cap, credit=credit, alt=clean(alt) or None)


def fill_videos(page: Any, art: Any) -> None:
    """Step: ``art.videos``: players in the body; beside it in the article's scope (a broadcaster's
    ``<video>`` between the sapo and the text) when video-like; else ``og:video``."""
    from newsarchive.extract.tree import is_inside

    container, scope = page.container, page.scope
    extra = [u for parent, u in page.script_videos if parent is not None and (parent is container or is_inside(parent, scope))]
    streams = page.mentions_streams
    art.videos = find_videos(container, page.base, extra, streams)
    if scope is not container and is_inside(container, scope):
        # players beside the body: the whole article region in document order; iframes outside
        # the body only when video-like
        inner = {v.url for v in art.videos}
        art.videos = [
            v for v in find_videos(scope, page.base, extra, streams)
            if v.url in inner or v.kind != "iframe" or "video" in v.url.lower() or "player" in v.url.lower()
        ]
    if not art.videos and page.md.videos:
        art.videos = find_videos(container, page.base, page.md.videos[:1])
