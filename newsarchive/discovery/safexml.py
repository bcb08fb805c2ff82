"""XML from the network, parsed safely: no entity expansion, no DTD, no network, bounded size.

Sitemaps and feeds are untrusted input. ``parse_xml`` refuses bodies (or gunzipped bodies) over a
cap, never expands entities (billion-laughs, XXE), and recovers from the small breakages real feeds
have (stray ``&`` and the like).
"""

from __future__ import annotations

import gzip
import io
import zlib

from lxml import etree

DEFAULT_MAX_BYTES = 50 * 1024 * 1024   # the sitemaps.org limit for one (uncompressed) sitemap file

GZIP_MAGIC = b"\x1f\x8b"


class XmlError(ValueError):
    """The body is not usable XML (too big, not XML at all, broken gzip)."""


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
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"XML syntax error: {exc}") from None
    if root is None:
        raise XmlError("no XML element found")
    return root


def local(tag: object) -> str:
    """Tag name without its namespace (``{http://...}loc`` -> ``loc``); '' for comments/PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def text_of(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()
