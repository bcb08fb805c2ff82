"""Which pictures of the body are the article's, and the caption each one carries.

Walks the image markers of the body blocks (``body.read_blocks``) in reading order:

- junk pictures (icons, logos, tiny sizes) and placeholders are passed over (``media``);
- a thumbnail inside a link to another page is a related-article teaser: dropped with its text;
- a caption is the text that belongs to the image: the caption-classed / ``<figcaption>`` blocks
  of its figure, text in the same block, or the short centred / italic line right under it.
"""

from __future__ import annotations

from typing import Any

from newsarchive.article import Article, ArticleImage
from newsarchive.extract import body as B
from newsarchive.extract import media as M
from newsarchive.extract.text import text_of
from newsarchive.extract.tree import is_inside


def collect_images(page: Any, art: Article) -> None:
    """Step: ``art.images``; the caption blocks are marked ``kind="caption"`` (not body text)."""
    art.images, page.blocks = images_from_blocks(page, page.blocks)


def images_from_blocks(page: Any, blocks: list[B.Block]) -> tuple[list[ArticleImage], list[B.Block]]:
    images: list[ArticleImage] = []
    keep: list[B.Block] = []
    i = 0
    n = len(blocks)
    seen: set[str] = set()
    group: list[tuple[int, Any]] = []   # pictures in a row without a caption yet
    guessed: list[B.Block] = []          # captions told by structure or credit alone
    long_lines = 0
    while i < n:
        b = blocks[i]
        if b.kind != "image":
            keep.append(b)
            group = []
            i += 1
            continue
        img = b.image
        url = M.image_url(img, page.base)
        i += 1
        if not url or M.is_junk_image(img, url):
            continue
        if M.is_teaser_image(img, page.container):
            # a related-article teaser: its headline and summary go with it
            box = teaser_box(img, page.container)
            while box is not None and i < n and blocks[i].kind != "image" and blocks[i].element is not None and is_inside(blocks[i].element, box):
                i += 1
            continue
        caption_parts: list[str] = []
        caption_holder = None
        # caption: the following text blocks that belong to this image
        while i < n and blocks[i].kind != "image":
            c = blocks[i]
            same_figure = b.in_figure is not None and c.in_figure is b.in_figure
            same_block = c.element is b.element and b.element is not None
            short = len(c.text.split()) <= 60
            styled = c.kind == "caption" or ((c.align == "center" or c.italic) and short and not c.bold)
            if short and not caption_parts and c.kind != "heading" and not styled and not declared_caption(img):
                # no markup says so: the structure (a wrapper holding only the picture and this
                # line) or a photo credit at its end ("... Ảnh: THUẬN VĂN") makes it the caption
                styled = figure_by_structure(img, c, page.container) or bool(M.CREDIT.search(c.text))
                if styled:
                    guessed.append(c)
            elif not short and not caption_parts and c.kind == "p" and not declared_caption(img) and figure_by_structure(img, c, page.container):
                long_lines += 1  # a picture over a paragraph too long for a caption: running text
            if (same_figure and short) or (same_block and short) or (styled and short and not caption_parts and c.kind != "heading"):
                caption_parts.append(c.text)
                caption_holder = c.element if caption_holder is None else caption_holder
                c.kind = "caption"
                keep.append(c)
                i += 1
                if not (same_figure or same_block):
                    break
            else:
                break
        if url in seen:
            continue
        seen.add(url)
        caption = " ".join(caption_parts) or None
        if caption and group:
            # a gallery row: two or three pictures side by side over one caption for them all
            holder = caption_holder.getparent() if caption_holder is not None else None
            for j, other in group:
                if images[j].caption is None and holder is not None and is_inside(other, holder) and holder is not page.container:
                    images[j] = M.make_image(images[j].url, caption, other.get("alt"))
        images.append(M.make_image(url, caption, img.get("alt")))
        group = [] if caption else group + [(len(images) - 1, img)]
    if guessed and (long_lines or sum(len(b.text.split()) for b in keep if b.kind not in ("image", "caption")) < 15):
        # every line would be a caption (a byline aside), or pictures of the same build stand over
        # paragraphs too long for captions: a photo story whose text runs under its pictures
        texts = {id(b) for b in guessed}
        for b in guessed:
            b.kind = "p"
        images = [M.make_image(im.url, None, im.alt) if im.caption and any(
            id(b) in texts and im.caption.startswith(b.text[:40]) for b in guessed) else im for im in images]
    return images, keep


def declared_caption(img: Any, levels: int = 3) -> bool:
    """The picture sits in a ``<figure>`` with a ``<figcaption>`` (even an empty one): the markup
    says where its caption is, so text around it is not guessed to be one."""
    node = img.getparent()
    for _ in range(levels):
        if node is None:
            return False
        if node.tag == "figure":
            return node.find("figcaption") is not None or node.find(".//figcaption") is not None
        node = node.getparent()
    return False


def figure_by_structure(img: Any, block: B.Block, stop: Any, levels: int = 4) -> bool:
    """A picture and a line of text in a wrapper that holds nothing else (up to four pictures of a
    gallery row and their one caption): a figure, whatever its tags and class names."""
    el = block.element
    if el is None:
        return False
    node = img.getparent()
    for _ in range(levels):
        if node is None or node is stop:
            return False
        if is_inside(el, node):
            pictures = sum(1 for _ in node.iter("img"))
            return pictures <= 4 and len(text_of(node).split()) <= len(block.text.split()) + 3
        node = node.getparent()
    return False


def teaser_box(img: Any, stop: Any) -> Any:
    """The smallest block around a teaser thumbnail that also holds its text (at most ~60 words)."""
    box = None
    for a in img.iterancestors():
        if a is stop:
            break
        if a.tag in B.BLOCK_TAGS:
            if len(text_of(a).split()) > 80:
                break
            box = a
    return box
