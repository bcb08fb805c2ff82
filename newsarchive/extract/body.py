"""The article body: find its container, then read it as text blocks in reading order.

Two steps, each a small named function:

- :func:`find_container` — outlet profile selectors, then the CMS catalogue (``selectors.BODY``),
  then :func:`generic_container`, a text-density / link-density scorer in the spirit of
  Readability: every paragraph-like node with enough own text scores its parent fully and its
  grandparent by half; class/id hints (content, detail, body...) raise a candidate, furniture
  hints (comment, related, sidebar...) lower it; the link density of the candidate scales it.
- :func:`read_blocks` — one walk over the container producing :class:`Block` items (paragraphs,
  headings, list items, captions) and image markers, skipping furniture (``selectors.NOISE``),
  hidden nodes, scripts and forms. Two consecutive ``<br>`` end a block; one is a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from lxml import etree

from newsarchive.extract import selectors as S
from newsarchive.extract.text import clean, text_of

# Elements that start a new block of text.
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table tr td th tbody thead tfoot "
    "section article figure figcaption header footer main aside center address hr form caption".split()
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Elements whose content is never article text.
SKIP_TAGS = frozenset(
    "script style noscript template iframe object embed button input select textarea option label "
    "nav aside footer svg canvas audio video map link meta head title".split()
)
INLINE_BOLD = frozenset(("b", "strong"))
INLINE_ITALIC = frozenset(("i", "em"))
_ALIGN_RIGHT = re.compile(r"text-align\s*:\s*right", re.I)
_ALIGN_CENTER = re.compile(r"text-align\s*:\s*center", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
_ITALIC_STYLE = re.compile(r"font-style\s*:\s*italic", re.I)
_HIDDEN_CLASS = re.compile(r"(^|\s)(hidden|d-none|hide|hidden-xs|sr-only|visually-hidden)(\s|$)")
# Class/id words marking a caption node.
CAPTION_HINT = re.compile(r"caption|figcaption|img-desc|image-desc|photo-desc|imgdesc|chuthich|chu-thich|PhotoCMS_Caption|desc_image|image_desc", re.I)
FIGURE_HINT = re.compile(r"(^|[\s_-])(figure|photo|image|img|picture|media)([\s_-]|$)|VCSortableInPreviewMode|PhotoCMS|imgBox|image-box|img-box", re.I)


@dataclass
class Block:
    """One text block (or an image marker when ``image`` is set) read from the container."""

    text: str = ""
    kind: str = "p"          # p, heading, li, caption, image
    link_chars: int = 0
    bold_chars: int = 0
    italic_chars: int = 0
    align: str = ""          # "right", "center" or ""
    element: Any = None      # the element the block was read from (block ancestor)
    image: Any = None        # the <img> element for image markers
    in_figure: Any = None    # figure-like wrapper the block sits in, if any

    @property
    def link_ratio(self) -> float:
        return self.link_chars / max(1, len(self.text))

    @property
    def bold(self) -> bool:
        return self.bold_chars >= 0.8 * len(self.text.replace(" ", "")) and bool(self.text)

    @property
    def italic(self) -> bool:
        return self.italic_chars >= 0.8 * len(self.text.replace(" ", "")) and bool(self.text)


def classes(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


# What a class/id string says, worked out once per distinct string: the same few class strings
# repeat on every element of a page, and the hint patterns are long alternations. (Pure functions
# of the string, bounded caches: no page's state is kept.)
@lru_cache(maxsize=16384)
def class_says(cls: str) -> tuple[bool, bool, bool, bool, bool, bool]:
    """(furniture, near-headline furniture, caption, figure, positive, negative) hints of a class/id string."""
    if not cls.strip():
        return (False, False, False, False, False, False)
    return (bool(S.NOISE.search(cls)), bool(S.NEAR_NOISE.search(cls)), bool(CAPTION_HINT.search(cls)),
            bool(FIGURE_HINT.search(cls)), bool(S.POSITIVE.search(cls)), bool(S.NEGATIVE.search(cls)))


@lru_cache(maxsize=4096)
def _hidden_style(style: str) -> bool:
    return bool(_HIDDEN_STYLE.search(style))


@lru_cache(maxsize=4096)
def _hidden_class(cls: str) -> bool:
    return bool(_HIDDEN_CLASS.search(cls))


def is_hidden(el: Any) -> bool:
    style = el.get("style")
    if style and _hidden_style(style):
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true" and el.tag not in ("i", "span"):
        return True
    cls = el.get("class")
    return bool(cls and _hidden_class(cls))


def is_noise(el: Any) -> bool:
    """True for furniture nodes inside the container (related boxes, share bars, ads, tags...)."""
    tag = el.tag
    if not isinstance(tag, str):
        return True
    if tag in SKIP_TAGS:
        return True
    if is_hidden(el):
        return True
    if class_says(classes(el))[0]:
        return True
    if el.get("type") in ("RelatedNews", "RelatedOneNews", "Vote", "LinkOutside") or el.get("data-role") in ("related",):
        return True
    return False


# --- container --------------------------------------------------------------------------------

def text_len(el: Any) -> int:
    try:
        return len(clean(text_of(el)))
    except Exception:
        return 0


def _chars(text: str) -> int:
    """Visible characters of a text, white space not counted (cheaper than ``clean`` on long text)."""
    return sum(map(len, text.split()))


def link_density(el: Any, total: int | None = None, cache: dict | None = None) -> float:
    """Share of el's visible characters inside links. ``total`` (el's visible characters) and
    ``cache`` (link -> its visible characters, shared by nested candidates) save recounting."""
    if total is None:
        total = _chars(text_of(el))
    if not total:
        return 1.0
    if cache is None:
        links = sum(_chars(text_of(a)) for a in el.iter("a"))
    else:
        links = 0
        for a in el.iter("a"):
            n = cache.get(a)
            if n is None:
                n = cache[a] = _chars(text_of(a))
            links += n
    return min(1.0, links / total)


_NOT_INLINE = BLOCK_TAGS | SKIP_TAGS


def own_text(el: Any) -> tuple[int, int, int]:
    """(chars, link chars, commas) of an element's own inline text, not counting block children."""
    chars = links = commas = 0
    stack = [(el, False)]
    while stack:
        node, in_link = stack.pop()
        link = in_link or node.tag == "a"
        t = node.text
        if t:
            n = len(t.strip())
            chars += n
            if "," in t:
                commas += t.count(",")
            if link:
                links += n
        for child in node:
            ctag = child.tag
            if type(ctag) is str and ctag not in _NOT_INLINE:
                stack.append((child, link))
            tail = child.tail
            if tail:
                n = len(tail.strip())
                chars += n
                if "," in tail:
                    commas += tail.count(",")
                if link:
                    links += n
    return chars, links, commas


_SCORED = ("p", "div", "td", "pre", "li", "blockquote", "span", "font", "h2", "h3", "h4", "section", "article")
# Footer text of Vietnamese news sites (licence line, editor in chief, copyright): a candidate made
# of it is the page footer, whatever its class names.
FOOTER_TEXT = re.compile(
    r"©|copyright|bản quyền|giấy phép (?:số|hoạt động|thiết lập)|tổng biên tập|chịu trách nhiệm (?:nội dung|xuất bản|chính)|"
    r"ghi rõ nguồn|cơ quan chủ quản|phó tổng biên tập|điện thoại\s*:|email\s*:|fax\s*:",
    re.I,
)
# How many candidates (by raw paragraph score) get the finer, costlier factors.
_RANKED = 15


_IMAGES_IN_LINKS = etree.XPath("//a//img")


def _twice(text: str, part: str) -> bool:
    first = text.find(part)
    return first >= 0 and text.find(part, first + 1) >= 0


def _footer_like(text: str) -> bool:
    """Two footer phrases or more (licence, editor in chief, ©...)."""
    m = FOOTER_TEXT.search(text)
    return m is not None and FOOTER_TEXT.search(text, m.end()) is not None


def _content_images(el: Any, linked: set | None = None) -> int:
    """Pictures in el that look like article photos: not inside a link (teaser thumbnails), not tiny."""
    n = 0
    for img in el.iter("img"):
        if (img in linked) if linked is not None else any(a.tag == "a" for a in img.iterancestors()):
            continue
        w = (img.get("width") or "").strip().rstrip("px")
        if w.isdigit() and 0 < int(w) < 100:
            continue
        n += 1
    return n


def teaser_list(el: Any, limit: int = 40) -> bool:
    """A list of teasers, not an article: three items or more (children of el, or of the one list it
    holds), most of which start with a headline link (four words or more) followed by a summary."""
    items = [c for c in el if isinstance(c.tag, str)]
    if len(items) == 1:
        items = [c for c in items[0] if isinstance(c.tag, str)]
    if len(items) < 3:
        return False
    teasers = 0
    for it in items[:limit]:
        a = next(it.iter("a"), None)
        if a is None:
            continue
        head = text_of(a).split()
        if len(head) < 4:
            continue
        words = text_of(it).split()
        if words[: len(head)] == head and len(words) > len(head) + 5:
            teasers += 1
    return teasers >= 3 and teasers >= 0.6 * min(len(items), limit)


def _depth(el: Any) -> int:
    return sum(1 for _ in el.iterancestors())


def title_factor(el: Any, title: Any, order: dict | None = None) -> float:
    """How an element sits relative to the headline: the body follows the headline closely.

    1.5 when it comes after the headline and shares an ancestor with it at most four levels up
    (the article column), 1.0 when it contains the headline or sits elsewhere after it, 0.6
    when it comes before it (menus, top stories)."""
    if title is None:
        return 1.0
    anc_title = list(title.iterancestors())
    if el is title or el in anc_title:
        return 1.0
    mine = set(el.iterancestors())
    for level, a in enumerate(anc_title, start=1):
        if a in mine:
            # document order among a's children: which branch comes first
            branch_t = anc_title[level - 2] if level >= 2 else title
            branch_e = next(x for x in [el] + list(el.iterancestors()) if x.getparent() is a)
            after = a.index(branch_e) > a.index(branch_t)
            if not after:
                return 0.6
            return 1.5 if level <= 4 else 1.0
    return 1.0


def _holder(el: Any) -> Any:
    """The element that holds el beside other content: its parent, past wrappers that hold
    nothing else (``<div class=card><div class=card-content><p>``: each paragraph wrapped on its
    own scores the element that holds the wrappers, as a bare ``<p>`` scores its parent)."""
    parent = el.getparent()
    while parent is not None and el.getprevious() is None and el.getnext() is None and parent.tag not in ("body", "html") \
            and not (parent.text or "").strip():
        up = parent.getparent()
        if up is None:
            break
        el, parent = parent, up   # (an only child has no sibling: O(1), where len(parent) counts them all)
    return parent


def generic_container(root: Any, exclude: Iterable[Any] = (), title: Any = None,
                      paragraph_scores: dict | None = None) -> tuple[Any, float] | None:
    """The element holding the most paragraph text with the fewest links (Readability-style).

    Paragraph-like nodes with enough own text score their parent fully and their grandparent by
    half. The best-scored candidates then get the finer factors: class/id hints, link density,
    article photos (photo stories have little text), the place relative to the headline
    (:func:`title_factor`) and footer text (:data:`FOOTER_TEXT`)."""
    scores: dict[Any, float] = {}
    excluded = set(exclude)
    for el in root.iter(*_SCORED):
        chars, links, commas = own_text(el)
        if chars < 25 or links > 0.5 * chars:
            continue
        if el.tag == "span" or el.tag == "font":
            # inline wrappers count for their block parent
            parent = el.getparent()
            if parent is None:
                continue
            el = parent
        if el in excluded:
            continue
        score = 1.0 + commas + min(chars / 100.0, 3.0)
        parent = _holder(el)
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = _holder(parent)
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    if paragraph_scores is not None:
        paragraph_scores.update(scores)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:_RANKED]
    best: tuple[Any, float] | None = None
    page_text = None
    linked_images = None
    link_chars: dict[Any, int] = {}  # the candidates nest: count each link's text once
    for el, score in ranked:
        if el.tag in ("html", "body"):
            score *= 0.5
        noise, _near, _cap, _fig, positive, negative = class_says(classes(el))
        if positive:
            score *= 1.25
        if negative and not positive:
            score *= 0.6
        if noise:
            score *= 0.3
        if linked_images is None:
            linked_images = set(_IMAGES_IN_LINKS(root))
        score += min(_content_images(el, linked_images), 10) * 1.0
        if best is not None and score * 1.5 <= best[1]:
            continue  # even placed best after the headline, with no links, it cannot win: not read
        text = text_of(el)
        total = _chars(text)
        if total < 1300 and _footer_like(text):
            score *= 0.2
        score *= title_factor(el, title)
        score *= 1.0 - link_density(el, total, link_chars)
        if teaser_list(el) or sum(1 for c in el if c.tag == "article") >= 2:
            score *= 0.3  # a list of teasers, or of posts (<article> units): not one article's body
        if best is not None and score <= best[1]:
            continue
        if page_text is None:
            page_text = text_of(root)
        if len(text) > 200 and _twice(page_text, text[:120]):
            score *= 0.3  # the same text twice on the page (a ticker in the header and the footer)
        if best is None or score > best[1]:
            best = (el, score)
    return best


def _inside(el: Any, others: Iterable[Any]) -> bool:
    for anc in el.iterancestors():
        if anc in others:
            return True
    return False


def find_container(page: Any) -> tuple[Any, str] | None:
    """(container element, where it came from) for the article body; the headline element, when
    known (``page.title_el``), lets the generic finder prefer text that follows it. The container
    is widened over the other chunks of a body split in pieces (:func:`merge_chunks`)."""
    for selector, comment in page.catalogue("body", S.BODY):
        found = [el for el in page.select(page.root, selector) if not is_hidden(el)]
        if not found:
            continue
        # several matches (templates, nested wrappers): the one with most text
        best = max(found, key=lambda el: _chars(text_of(el))) if len(found) > 1 else found[0]
        if _chars(text_of(best)) >= 65:
            where = "profile" if comment == "outlet profile" else "selector"
            if comment != "outlet profile":
                best = merge_chunks(page, best, {}, 0.0)
            return best, f"{where}:{selector.split(',')[0].strip()}"
    scores: dict[Any, float] = {}
    best = generic_container(page.root, title=page.title_el, paragraph_scores=scores)
    if best is None:
        return None
    return merge_chunks(page, best[0], scores, scores.get(best[0], 0.0)), "generic"


def _same_shape(a: Any, b: Any) -> bool:
    """Same tag and a class token in common: pieces of one repeated template part."""
    if a.tag != b.tag:
        return False
    ca, cb = (a.get("class") or "").split(), (b.get("class") or "").split()
    return bool(ca and cb and set(ca) & set(cb))


def merge_chunks(page: Any, best: Any, scores: dict, best_score: float, levels: int = 2) -> Any:
    """The body split in pieces: templates that cut the text into chunks (an ad or a "read more"
    box between them: ``<div class=body-chunk>`` x 3), or put each paragraph group in its own block.

    Looking up to ``levels`` ancestors from ``best`` (wrappers holding nothing else not counted), siblings of the branch holding it that read as
    more of the same text (few links, 80 characters or more, and either the same shape as the branch,
    or a paragraph score at least a fifth of the best's) are the same body. The container becomes
    their parent; its children before the first piece and after the last are left out (added to
    ``page.skip``), what stands between them is read (furniture there is dropped as anywhere)."""
    top = best
    cache: dict[Any, int] = {}
    for _ in range(levels):
        parent = top.getparent()
        while parent is not None and parent.tag not in ("body", "html") and top.getprevious() is None and top.getnext() is None:
            top, parent = parent, parent.getparent()  # wrappers holding nothing else do not count as a level
        if parent is None or parent.tag in ("body", "html"):
            break
        children = [c for c in parent if isinstance(c.tag, str)]
        pieces = []
        for sib in children:
            if sib is top:
                pieces.append(sib)
                continue
            if sib.tag in SKIP_TAGS or is_noise(sib):
                continue
            n = _chars(text_of(sib))
            if n < 80 or link_density(sib, n, cache) >= 0.25:
                continue
            if _same_shape(sib, top) or (best_score and scores.get(sib, 0.0) >= max(10.0, 0.2 * best_score)):
                pieces.append(sib)
        if len(pieces) > 1:
            first, last = children.index(pieces[0]), children.index(pieces[-1])
            for c in children[:first] + children[last + 1:]:
                page.skip.add(c)
            return parent
        top = parent
    return best


def locate_body(page: Any, art: Any) -> None:
    """Step: ``page.container`` (the body) and ``page.scope`` (the article around headline and body).

    Raises NotAnArticle when the page holds no text block at all."""
    from newsarchive.extract.classify import NotAnArticle
    from newsarchive.extract.tree import common_ancestor

    found = find_container(page)
    if found is None:
        raise NotAnArticle("no article text found", "no-text", page.url)
    container, page.body_from = found
    title_el = page.title_el
    scope = common_ancestor(title_el, container) if title_el is not None else None
    if scope is None or scope.tag in ("html",):
        scope = container.getparent() if container.getparent() is not None else container
        if scope.getparent() is not None and scope.tag != "body":
            scope = scope.getparent()
    page.sources["body"] = page.body_from
    page.container, page.scope = container, scope


RELATED_LINE = re.compile(r"^(>>|»|>)\s*|^(xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|bài\s+liên\s+quan)\s*[:>]", re.I)


def drop_furniture(blocks: list[Block], title: str | None) -> list[Block]:
    """Blocks that are page furniture wherever they stand: "Xem thêm" lines, related links,
    link-only lines, the headline repeated."""
    from newsarchive.extract.byline import is_byline_block

    out = []
    linked_tail: list[Block] = []   # link-only lines after the last text: a linked byline is kept
    for b in blocks:
        if b.kind == "image":
            out.append(b)
            continue
        t = b.text
        if S.FURNITURE_TEXT.match(t) or RELATED_LINE.match(t):
            continue
        if b.link_ratio > 0.7 and b.kind != "caption" and len(t) < 300:
            linked_tail.append(b)
            continue
        if title and t == title:
            continue
        out.append(b)
        linked_tail = []
    # the authors' names linked to their pages, on the lines after the text ("<a
    # href=/tac-gia/..>SONG MAI</a>"): kept for the byline step, which cuts them from the body
    out.extend(b for b in linked_tail[:4] if len(b.text) < 80 and _author_link(b) and is_byline_block(b))
    return out


AUTHOR_HREF = re.compile(r"tac-?gia|author|writer|reporter|phong-?vien|/profile|/user/|/people/", re.I)


def _author_link(block: Block) -> bool:
    """A line that is one link to an author's page (or to nowhere: "#")."""
    el = block.element
    links = list(el.iter("a")) if el is not None else []
    if len(links) != 1:
        return False
    href = (links[0].get("href") or "").strip()
    return href in ("", "#") or href.startswith("javascript") or bool(AUTHOR_HREF.search(href))


def drop_excerpts(blocks: list[Block], first: int = 3) -> list[Block]:
    """A block among the first ones that repeats the start of the text after it (an excerpt the CMS
    cut from the article, "<sapo> <subheading> <first words...>" ending mid-word): left out."""
    from newsarchive.extract.text import _key

    out = list(blocks)
    for i in range(min(first, len(out))):
        b = out[i]
        if b.kind == "image" or len(b.text) < 80:
            continue
        key = _key(b.text)[:-4]  # its last word may be cut short
        following = [x for x in out[i + 1: i + 6] if x.kind != "image"]
        after = _key(" ".join(x.text for x in following))
        nxt = _key(following[0].text) if following else ""
        if len(key) >= 60 and (after.startswith(key) or (len(nxt) >= 40 and key.startswith(nxt) and len(key) > 1.2 * len(nxt))):
            return out[:i] + out[i + 1:]  # (or: the next block, the sapo, is its start, and it runs on)
    return out


def read_body(page: Any, art: Any) -> None:
    """Step: ``page.blocks``, the container read in reading order, fields already taken (headline,
    sapo, date line, byline elements), furniture and a leading excerpt left out."""
    page.blocks = drop_excerpts(drop_furniture(read_blocks(page.container, page.skip), art.title))


def join_body(page: Any, art: Any) -> None:
    """Step: ``art.body``, the text blocks joined by blank lines (captions only when nothing else)."""
    blocks = page.blocks
    text_blocks = [b.text for b in blocks if b.kind not in ("image", "caption")]
    if not text_blocks:
        captions = [b.text for b in blocks if b.kind == "caption"]
        if captions:
            text_blocks = captions
            page.warnings.append("no running text: image captions used as the body")
    art.body = "\n\n".join(text_blocks)


# --- blocks -------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, skip: set[Any], container: Any = None):
        self.skip = skip
        self.container = container
        self._total: int | None = None
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.link = 0
        self.bold = 0
        self.italic = 0
        self.block_el: Any = None
        self.align = ""
        self.kind = "p"
        self.figure: Any = None
        self.pending_br = False

    def furniture(self, el: Any) -> bool:
        """Is this child left out? A block with a furniture class (unless it holds the text); an
        inline element only when hidden or never text (a link or span inside a sentence is text
        whatever its class: "<a class=cms-relate>Nguyễn Phước Lộc</a>")."""
        if el.tag in BLOCK_TAGS:
            return is_noise(el) and not self.holds_the_text(el)
        return not isinstance(el.tag, str) or el.tag in SKIP_TAGS or is_hidden(el)

    def holds_the_text(self, el: Any) -> bool:
        """A node with a furniture class name ("field--label-hidden", "elementor-widget-container")
        that holds most of the container's text, with few links, is the text's wrapper, not
        furniture: a class name is weaker evidence than where the text is."""
        if is_hidden(el) or el.tag in SKIP_TAGS:
            return False
        if self._total is None:
            self._total = _chars(text_of(self.container)) if self.container is not None else 0
        if not self._total:
            return False
        n = _chars(text_of(el))
        return n >= 0.5 * self._total and n >= 200 and link_density(el, n) < 0.3

    def flush(self) -> None:
        text = clean("".join(self.buf))
        if text:
            self.blocks.append(
                Block(text, self.kind, self.link, self.bold, self.italic, self.align, self.block_el, None, self.figure)
            )
        self.buf = []
        self.link = self.bold = self.italic = 0
        self.pending_br = False

    def add(self, text: str, in_link: bool, bold: bool, italic: bool) -> None:
        if not text:
            return
        if text.strip():
            self.pending_br = False
        self.buf.append(text)
        n = len(text.replace(" ", "").strip())
        if in_link:
            self.link += n
        if bold:
            self.bold += n
        if italic:
            self.italic += n

    def walk(self, el: Any, ctx: tuple, depth: int) -> None:
        """Read one element. ctx = (in_link, bold, italic, align, kind, figure, block_el)."""
        if depth > 200:
            return
        in_link, bold, italic, align, kind, figure, block_el = ctx
        tag = el.tag
        if tag == "img":
            if el not in self.skip:
                self.flush()
                self.blocks.append(Block("", "image", element=block_el, image=el, in_figure=figure, align=align))
            return
        block = tag in BLOCK_TAGS
        own_caption = False
        if block:
            self.flush()
            a = (el.get("align") or "").lower()
            style = el.get("style") or ""
            if a == "right" or _ALIGN_RIGHT.search(style):
                align = "right"
            elif a == "center" or tag == "center" or _ALIGN_CENTER.search(style):
                align = "center"
            elif a in ("left", "justify"):
                align = ""
            if tag in HEADING_TAGS:
                kind = "heading"
            elif tag == "li":
                kind = "li"
            elif tag in ("figcaption", "caption") or class_says(classes(el))[2]:
                kind = "caption"
            if tag == "figure" or tag == "table" or (figure is None and class_says(classes(el))[3]):
                figure = el
            block_el = el
        else:
            style = el.get("style")
            if tag in INLINE_BOLD or (style and _BOLD_STYLE.search(style)):
                bold = True
            if tag in INLINE_ITALIC or (style and _ITALIC_STYLE.search(style)):
                italic = True
            if tag == "a":
                in_link = True
            if kind != "caption" and class_says(classes(el))[2]:
                self.flush()
                kind = "caption"
                own_caption = True
        self.block_el, self.align, self.kind, self.figure = block_el, align, kind, figure
        ctx = (in_link, bold, italic, align, kind, figure, block_el)
        self.add(el.text or "", in_link, bold, italic)
        for child in el:
            ctag = child.tag
            if not isinstance(ctag, str):
                pass
            elif ctag == "br":
                if self.pending_br:
                    self.flush()
                else:
                    self.buf.append(" ")
                    self.pending_br = True
            elif child in self.skip or (ctag != "img" and self.furniture(child)):
                pass
            else:
                self.walk(child, ctx, depth + 1)
                self.block_el, self.align, self.kind, self.figure = block_el, align, kind, figure
            if child.tail:
                self.add(child.tail, in_link, bold, italic)
        if block or own_caption:
            self.flush()


def read_blocks(container: Any, skip: Iterable[Any] = ()) -> list[Block]:
    """Text blocks and image markers of a container, in document order."""
    reader = _Reader(set(skip), container)
    reader.walk(container, (False, False, False, "", "p", None, container), 0)
    reader.flush()
    return reader.blocks
