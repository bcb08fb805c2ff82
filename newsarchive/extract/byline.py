"""Bylines: who wrote the article (authors) and which agency/outlet it is credited to (sources).

Vietnamese bylines come in many shapes: "Theo TTXVN", "Nguồn: VOV", "PV", "Nhóm PV",
"Bài và ảnh: Nguyễn A", "Nguyễn A - Trần B", "Theo Sầm Hoa (Vietnamnet/Reuters)",
"Hà Thu (tổng hợp)", and very often the author's name alone, bold or right-aligned, on the last
line of the body. :func:`split_byline` turns such a string into (authors, sources);
:func:`tail_byline` finds that last-line byline among the body blocks.
"""

from __future__ import annotations

import re
from typing import Any

from newsarchive.extract.text import clean

# Role prefixes dropped before a name ("Bài và ảnh: X" -> X). Longest first.
ROLE_PREFIX = re.compile(
    r"^(?:(?:bài|tin|ảnh|video|clip|đồ\s*họa|đồ\s*hoạ|thực\s*hiện|ghi\s*chép|ghi|trình\s*bày|biên\s*tập|"
    r"tổng\s*hợp|lược\s*dịch|dịch|tác\s*giả|phóng\s*viên|nhóm\s*phóng\s*viên|nhóm\s*pv|pv|ctv|btv|nhóm)"
    r"(?:\s*(?:,|và|&|\+|/)\s*(?:bài|tin|ảnh|video|clip|đồ\s*họa|đồ\s*hoạ|thực\s*hiện))*\s*[:：]\s*)+",
    re.I,
)
# Credits of a role that is not writing ("Ảnh: X", "Video: X", "Đồ họa: X", "Thiết kế: X"): a byline
# "Tin: A - Ảnh: B" credits A as the writer and B for the photos; B is no author. Roles that include
# writing ("Bài và ảnh:", "Tin, ảnh:", "Thực hiện:") are writers (ROLE_PREFIX).
NON_WRITER_ROLE = re.compile(
    r"^(?:ảnh|ảnh\s*minh\s*họa|ảnh\s*minh\s*hoạ|video|clip|quay\s*phim|dựng\s*phim|đồ\s*họa|đồ\s*hoạ|thiết\s*kế|"
    r"trình\s*bày|kỹ\s*thuật|photo|photos|graphics?|design)"
    r"(?:\s*(?:,|và|&|\+|/)\s*(?:ảnh|video|clip|đồ\s*họa|đồ\s*hoạ|thiết\s*kế|trình\s*bày))*\s*[:：]",
    re.I,
)
# Words meaning "according to / source" before an outlet or author.
SOURCE_PREFIX = re.compile(r"^(?:nguồn|source)\s*[:：]?\s*", re.I)
THEO_PREFIX = re.compile(r"^theo\s+", re.I)
# Role notes after a name, dropped: "(tổng hợp)", "(TH)", "(lược dịch)", "(t/h)".
ROLE_NOTE = re.compile(r"\((?:tổng\s*hợp|th|t/h|lược\s*dịch|dịch|biên\s*dịch|ghi|ctv|pv|bt|btv|thực\s*hiện)\)", re.I)
# Tokens that are a role, not a name ("PV", "Nhóm PV", "CTV").
ROLE_ONLY = re.compile(r"^(?:nhóm\s+)?(?:pv|phóng\s*viên|ctv|btv|pv\s*\w{0,3}|nhóm\s*phóng\s*viên|ban\s*biên\s*tập|bbt)\.?$", re.I)
# Text that sits in byline boxes but names nobody.
BYLINE_NOISE = re.compile(
    r"^(?:và\s+\d+\s+tác\s+giả\s+khác|tác\s+giả|theo\s+dõi|follow|xem\s+thêm|chia\s+sẻ|gửi\s+email|email|"
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.*|\d{1,2}:\d{2}.*|thứ\s+\w+.*\d.*|chủ\s+nhật.*\d.*|gmt.*|[-|•·/]+)$",
    re.I,
)
# Agencies and outlets commonly credited on Vietnamese pages (data, not site logic).
KNOWN_SOURCES = {
    "ttxvn", "vna", "vov", "vtv", "vtc", "vnexpress", "dân trí", "dantri", "tuổi trẻ", "tuoi tre", "thanh niên",
    "vietnamnet", "zing", "znews", "zing news", "nhân dân", "lao động", "người lao động", "tiền phong",
    "pháp luật", "công an nhân dân", "cand", "quân đội nhân dân", "qđnd", "đại đoàn kết", "infonet", "kenh14",
    "cafef", "cafebiz", "vneconomy", "soha", "ngoisao", "genk", "vietnam+", "vietnamplus", "tin tức",
    "reuters", "afp", "ap", "bloomberg", "bbc", "cnn", "xinhua", "tân hoa xã", "kyodo", "yonhap", "sputnik",
    "tass", "ria novosti", "the guardian", "new york times", "nytimes", "washington post", "forbes",
    "nikkei", "scmp", "al jazeera", "cna", "sggp", "sài gòn giải phóng", "hà nội mới", "kinh tế đô thị",
    "baochinhphu", "báo chính phủ", "chinhphu.vn", "vtv news", "vov.vn", "qdnd", "antv", "an ninh thủ đô",
}
# Words that start the name of an outlet rather than a person.
OUTLET_WORDS = re.compile(
    r"^(?:báo|tạp\s*chí|đài|cổng|trang|kênh|thông\s*tấn|truyền\s*hình|phát\s*thanh|hãng|tờ|website|"
    r"ban|sở|ubnd|bộ|trung\s*tâm|hội|tổng\s*cục|cục|viện|công\s*ty)\b",
    re.I,
)
# Button labels that follow a byline in its box ("Theo Đại Đoàn kết Copy link", "Minh Anh Chia sẻ").
WIDGET_WORDS = re.compile(r"\s*(?:[|•·]\s*)?(?:chia sẻ|copy link|lấy link|sao chép liên kết|sao chép link|theo dõi|lưu bài|in bài|gửi bài|bình luận)\b.*$", re.I)
_DOMAIN = re.compile(r"\b[\w-]+\.(?:vn|com|net|org|info|gov|edu)\b", re.I)
_UPPER_INITIAL = re.compile(r"^[A-ZĐÀ-ỸĂÂÊÔƠƯ]", re.U)
_SEPARATORS = re.compile(r"\s+[-–—]\s+|\s*[,;/&|]\s*|\s+(?:và|and)\s+|\s+\+\s+")


def _is_upper_word(word: str) -> bool:
    w = word.strip(".,()“”\"'")
    if not w:
        return False
    return w[0].isupper() or w[0].isdigit() is False and not w[0].isalpha()


def looks_like_person(name: str) -> bool:
    """A personal name or pen name: 1-6 words, each starting upper-case (or initials), no sentence."""
    name = name.strip()
    if not name or len(name) > 50 or any(ch.isdigit() for ch in name):
        return False
    if re.search(r"[!?:;\"“”]", name) or name.endswith(",") or "  " in name:
        return False
    words = name.split()
    if not 1 <= len(words) <= 6:
        return False
    return all(_is_upper_word(w) for w in words)


def looks_like_source(name: str) -> bool:
    """An outlet/agency: known name, a domain, an acronym, or a phrase with lower-case words."""
    key = name.strip().strip(".").casefold()
    if key in KNOWN_SOURCES or _DOMAIN.search(name) or OUTLET_WORDS.match(name):
        return True
    words = name.split()
    letters = re.sub(r"[^\w]", "", name)
    if len(words) == 1 and letters.isupper() and 2 <= len(letters) <= 6 and letters.isascii():
        return True  # TTXVN, VOV, AFP
    if len(words) >= 2 and any(w[:1].islower() for w in words[1:]) and _UPPER_INITIAL.match(name):
        return True  # "Đại Đoàn kết", "Nhịp sống thị trường"
    return False


# A role written before a name without a colon: "PV Minh Anh", "Phóng viên Minh Anh", "By Phil Helsel".
ROLE_WORD = re.compile(r"^(?:(?:nhóm\s+)?(?:pv|phóng\s+viên|ctv|btv|cộng\s+tác\s+viên)|by|written\s+by|reporting\s+by)\s+(?=[^\W\d_])", re.I)


def _clean_piece(piece: str) -> str:
    piece = ROLE_NOTE.sub("", piece)
    piece = clean(piece).strip(" .,-–—:()[]")
    piece = ROLE_PREFIX.sub("", piece).strip(" .,-–—:")
    rest = ROLE_WORD.sub("", piece)
    if rest != piece and rest[:1].isupper():
        piece = rest  # "PV Minh Anh" -> "Minh Anh" (a lower-case word after "PV" is a sentence)
    return piece


def split_byline(text: str) -> tuple[list[str], list[str]]:
    """(authors, sources) named in a byline string."""
    text = clean(text)
    authors: list[str] = []
    sources: list[str] = []
    if not text:
        return authors, sources
    text = re.sub(r"\s*\./\.\s*$", "", text)
    text = ROLE_NOTE.sub("", text).strip()
    # "(Vietnamnet/Reuters)" / "(theo TTXVN)" in parentheses: sources
    text = WIDGET_WORDS.sub("", text).strip()
    # "(6816 bình chọn, 9/10 điểm)": a rating or count in parentheses names nobody
    text = re.sub(r"\([^()]*\d[^()]*\)", " ", text).strip()
    for inner in re.findall(r"\(([^()]{2,80})\)", text):
        for part in _SEPARATORS.split(THEO_PREFIX.sub("", SOURCE_PREFIX.sub("", inner))):
            part = _clean_piece(part)
            if part and not ROLE_ONLY.match(part):
                sources.append(part)
    text = re.sub(r"\([^()]*\)", " ", text)
    text = clean(text)
    mode = "person"
    if SOURCE_PREFIX.match(text):
        text = SOURCE_PREFIX.sub("", text)
        mode = "source"
    elif THEO_PREFIX.match(text):
        text = THEO_PREFIX.sub("", text)
        mode = "theo"
    # pieces crediting a role that is not writing ("Ảnh: B") name no author
    text = " - ".join(x for x in re.split(r"\s+[-–—|]\s+|\s*[;/]\s*", text) if not NON_WRITER_ROLE.match(x.strip()))
    text = ROLE_PREFIX.sub("", text)
    parts = [p for p in (_clean_piece(x) for x in _SEPARATORS.split(text)) if p]
    for i, part in enumerate(parts):
        if ROLE_ONLY.match(part) or BYLINE_NOISE.match(part):
            continue
        part = THEO_PREFIX.sub("", part) if i else part
        if mode == "source" or looks_like_source(part):
            sources.append(part)
        elif mode == "theo" and len(part.split()) == 1 and not re.search(r"\.", part):
            # "Theo Ngoisao": a one-word credit after "Theo" is an outlet
            sources.append(part)
        elif looks_like_person(part):
            authors.append(part)
        if mode == "theo" and i == 0 and authors:
            mode = "after-theo"
        elif mode == "after-theo":
            pass
    return _dedupe(authors), _dedupe(sources)


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# --- byline lines at the end of the body ---------------------------------------------------

BYLINE_LINE = re.compile(
    r"^(?:theo\s|nguồn\s*:|nguồn\s|bài\s*(?:và|,|&)?\s*ảnh\s*:|bài\s*:|tin\s*(?:và|,|&)?\s*ảnh\s*:|tin\s*:|"
    r"ảnh\s*:|thực\s*hiện\s*:|nhóm\s*pv\b|pv\b|ctv\b|phóng\s+viên\s|by\s)",
    re.I,
)


def is_byline_block(block: Any) -> bool:
    """Could this text block be a byline line (short, styled or prefixed, names someone)?"""
    text = block.text
    if not text or len(text) > 90 or len(text.split()) > 14:
        return False
    stripped = re.sub(r"\s*\./\.\s*$", "", text)
    if stripped.endswith((".", "?", "!", ":")) and not BYLINE_LINE.match(stripped) and not re.search(r"\b[A-Z]\.$", stripped):
        return False
    authors, sources = split_byline(stripped)
    if not authors and not sources:
        # "Nhóm PV", or a photo / graphics credit line ("Ảnh: Quốc Thanh"): byline furniture, no author
        return bool(ROLE_ONLY.match(stripped.strip(" ."))) or (
            bool(NON_WRITER_ROLE.match(stripped)) and looks_like_person(NON_WRITER_ROLE.sub("", stripped).strip(" .")))
    if BYLINE_LINE.match(stripped) or ROLE_NOTE.search(text):
        return True
    if block.align == "right" or block.bold or block.italic:
        return True
    # a bare name line: every piece is a person or source name
    pieces = [p for p in (_clean_piece(x) for x in _SEPARATORS.split(stripped)) if p]
    return bool(pieces) and all(looks_like_person(p) or looks_like_source(p) for p in pieces) and len(stripped.split()) <= 8


def tail_byline(blocks: list[Any], max_lines: int = 3, max_skip: int = 2) -> tuple[int, list[int]] | None:
    """(index where the byline starts, indices of the byline lines) at the end of the blocks, or None.

    Up to ``max_skip`` short blocks after a clearly marked byline (right-aligned or prefixed) are
    page furniture (a call for reader submissions, a "share" line) and are cut with it.
    """
    text_idx = [i for i, b in enumerate(blocks) if b.kind != "image" and b.text]
    if len(text_idx) < 2:
        return None
    for skip in range(0, max_skip + 1):
        if skip >= len(text_idx) - 1:
            break
        end_pos = len(text_idx) - skip
        lines = []
        pos = end_pos - 1
        while pos >= 1 and len(lines) < max_lines and is_byline_block(blocks[text_idx[pos]]):
            lines.append(text_idx[pos])
            pos -= 1
        if not lines:
            continue
        if skip:
            marked = any(blocks[i].align == "right" or BYLINE_LINE.match(blocks[i].text) for i in lines)
            skipped = [blocks[i] for i in text_idx[end_pos:]]
            if not marked or any(len(b.text.split()) > 30 for b in skipped):
                continue
        return min(lines), sorted(lines)
    return None


def byline_from_element(el: Any) -> list[str]:
    """Text fragments of a byline element that may name someone (ratings, dates, avatars skipped)."""
    from newsarchive.extract.selectors import BYLINE_SKIP

    frags: list[str] = []

    def walk(node: Any, top: bool) -> None:
        if not top:
            cls = f"{node.get('class') or ''} {node.get('id') or ''} {node.get('itemprop') or ''}"
            if cls.strip() and BYLINE_SKIP.search(cls):
                return
        if node.text:
            frags.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in ("script", "style", "img", "svg"):
                walk(child, False)
            if child.tail:
                frags.append(child.tail)

    walk(el, True)
    out = []
    for piece in frags:
        piece = clean(piece)
        if piece and not BYLINE_NOISE.match(piece):
            out.append(piece)
    return out
