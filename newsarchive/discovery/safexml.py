"""XML from the network, parsed safely: no entity expansion, no DTD, no network, bounded size.

Sitemaps and feeds are untrusted input. ``parse_xml`` refuses bodies (or gunzipped bodies) over a
cap, never expands entities (billion-laughs, XXE), and recovers from the small breakages real feeds
have (stray ``&`` and the like).

A document is never cut silently. Recovering parsers stop part-way on some errors and return what
they read as if it were all: libxml2 stops at its entity-amplification guard (a custom entity in a
``<!DOCTYPE>`` used a few hundred times, even unexpanded), at its depth limit, at content after the
root element; a body cut at its source (a generator killed mid-sitemap) ends before its root element
closes; an unclosed tag swallows the records after it into the one before. So:

- the document type declaration (``<!DOCTYPE ... [internal subset]>``) is removed before parsing:
  sitemaps and feeds have no use for it, and with no entity declared none can amplify; a reference
  to a custom entity is then left unexpanded (``&name;`` in the text), and every record after it is read;
- a document still read in part raises ``XmlCut`` (an ``XmlError``; what was read is in its ``root``),
  which the crawl counts as a failed discovery document: a run that read it is not complete, so no
  article missing from the part not read is reported removed.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib

from lxml import etree

DEFAULT_MAX_BYTES = 50 * 1024 * 1024   # the sitemaps.org limit for one (uncompressed) sitemap file

GZIP_MAGIC = b"\x1f\x8b"


class XmlError(ValueError):
    """The body is not usable XML (too big, not XML at all, broken gzip)."""


class XmlCut(XmlError):
    """The document was read only in part (see the module's notes); ``root`` is the part read."""

    def __init__(self, message: str, root: etree._Element | None = None):
        super().__init__(message)
        self.root = root


# libxml2 errors after which a recovering parse stops reading (the rest of the body is never seen).
HALTING_ERRORS = {"ERR_RESOURCE_LIMIT", "ERR_NO_MEMORY", "ERR_INTERNAL_ERROR", "ERR_ENTITY_LOOP", "ERR_USER_STOP"}

# The document type declaration, internal subset included (quoted strings, comments and
# declarations inside it may hold '>' or ']'); each alternative starts with a different character,
# so matching is linear.
_DOCTYPE = re.compile(
    rb"<!DOCTYPE(?:[^\[>\"']|\"[^\"]*\"|'[^']*')*"
    rb"(?:\[(?:[^\]\"'<]|\"[^\"]*\"|'[^']*'|<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>)*\])?\s*>",
    re.S | re.I)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_UNPARSED = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->", re.S)   # text that holds no elements


def strip_doctype(body: bytes) -> bytes:
    """The body without its document type declaration (none is needed: no entity is ever expanded)."""
    m = _DOCTYPE.search(body)
    if m is None or _FIRST_ELEMENT.search(body, 0, m.start()):   # only in the prolog, before the root element
        return body
    return body[:m.start()] + body[m.end():]


def gunzip_capped(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Decompress a gzip body, refusing to inflate past ``max_bytes`` (a gzip bomb stops early)."""
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            while True:
                chunk = fh.read(64 * 1024)
                if not chunk:
                    break
                out.write(chunk)
                if out.tell() > max_bytes:
                    raise XmlError(f"gzip body inflates past {max_bytes} bytes")
    except (OSError, EOFError, zlib.error) as exc:
        raise XmlError(f"broken gzip body: {exc}") from None
    return out.getvalue()


def maybe_gunzip(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The body, gunzipped when it starts with the gzip magic bytes (sitemap.xml.gz served raw)."""
    if body[:2] == GZIP_MAGIC:
        return gunzip_capped(body, max_bytes)
    return body


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,   # never expand entities: no billion laughs, no XXE
        no_network=True,          # never fetch a DTD or an external entity
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,          # keep libxml2's depth/size safety limits
        recover=True,             # real feeds have stray '&' and bad characters
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse an XML body (gzip or plain) into an element tree root."""
    if len(body) > max_bytes:
        raise XmlError(f"XML body of {len(body)} bytes is over the {max_bytes}-byte cap")
    body = maybe_gunzip(body, max_bytes).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise XmlError("empty body")
    if body[:1] != b"<":
        raise XmlError("not XML (does not start with '<')")
    body = strip_doctype(body)
    parser = _parser()
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"XML syntax error: {exc}") from None
    if root is None:
        raise XmlError("no XML element found")
    cut = _cut(body, root, parser.error_log)
    if cut:
        raise XmlCut(f"document read only in part: {cut}", root)
    return root


def _qname(el: etree._Element) -> bytes:
    return ((f"{el.prefix}:" if el.prefix else "") + local(el.tag)).encode("utf-8")


def _cut(body: bytes, root: etree._Element, errors) -> str | None:
    """Why a recovering parse of `body` read only part of it (None when it read it all)."""
    for e in errors:
        if e.type_name in HALTING_ERRORS:
            return f"the parser stopped at line {e.line} ({e.message.strip()})"
    closing = re.compile(rb"</\s*" + re.escape(_qname(root)) + rb"\s*>")
    end = None
    for end in closing.finditer(body):
        pass
    if end is None:
        return f"the body ends before its root element <{_qname(root).decode()}> is closed"
    # the records of the root: its children's most common name, counted in the body and in the tree
    names: dict[bytes, int] = {}
    for child in root:
        if isinstance(child.tag, str):
            names[_qname(child)] = names.get(_qname(child), 0) + 1
    if not names:
        return None
    record, read = max(names.items(), key=lambda kv: kv[1])
    text = _UNPARSED.sub(b"", body)
    written = len(re.findall(rb"<" + re.escape(record) + rb"[\s/>]", text))
    if written > read:
        return (f"{written} <{record.decode()}> elements in the body, {read} read (a tag left open, "
                "or content after the root element)")
    return None


def local(tag: object) -> str:
    """Tag name without its namespace (``{http://...}loc`` -> ``loc``); '' for comments/PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def text_of(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()
