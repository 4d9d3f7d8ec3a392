"""Turn a file's bytes into note text, or say clearly why it cannot be read.

Accepted: UTF-8 (with or without BOM), UTF-16 with BOM, and GBK/GB18030 Chinese text;
Markdown, plain text and HTML. Rejected with an :class:`InputError` naming the file:
empty files, files over :data:`MAX_BYTES`, binary files (a NUL byte anywhere) and text that
decodes to noise. HTML is reduced to Markdown-like text (headings, list items, paragraphs) and
both HTML and plain text lose their web chrome (see :mod:`ingest.clean`). Terminal escape
sequences and other control characters (C0 and C1, except newline and tab) are capture
artefacts, never note text: :func:`strip_controls` removes them, so no note can recolour or
retitle the terminal that prints a quotation of it.

>>> decode(b"\\xc5\\xfa\\xb9\\xe9\\xd2\\xbb\\xbb\\xaf", "n.txt")  # GBK for 批归一化
'批归一化'
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from ingest.clean import strip_chrome
from kg.errors import InputError
from kg.text import has_cjk

__all__ = ["MAX_BYTES", "RawNote", "decode", "note_files", "read_note", "note_from_text", "html_to_text", "strip_controls"]

MAX_BYTES = 2_000_000
Format = Literal["markdown", "text"]
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_TEXT_SUFFIXES = {".txt", ".text", ""}
_LISTED = (_MARKDOWN_SUFFIXES | _HTML_SUFFIXES | _TEXT_SUFFIXES) - {""}  # what a directory contributes


@dataclass(frozen=True)
class RawNote:
    """A decoded note: its id (file name), text with ``\\n`` line ends, and how to parse it."""

    id: str
    text: str
    format: Format
    source: str = ""


# ESC/CSI sequences whole (so no "[31m" is left behind), then any other C0/C1 control but \n and \t.
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"         # CSI: colours, cursor moves
                      r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC/DCS/PM/APC
                      r"|\x1b[ -/]*[0-~]?")  # two-character escapes; an unterminated string ends at its line
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    r"""``text`` without terminal escape sequences or C0/C1 control characters (``\n`` and ``\t`` stay).

    >>> strip_controls("BN\x1b[31m层\x1b[0m\x07\x1b]0;pwned\x07的作用\n\tok\x85")
    'BN层的作用\n\tok'
    """
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def _looks_binary(data: bytes) -> bool:
    """A NUL byte anywhere (text notes have none; UTF-16 is checked after decoding)."""
    return b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _noise_ratio(text: str) -> float:
    """Share of characters that no note contains: private use, unassigned, replacement marks, and
    control characters beyond a capture's few (they are stripped later; a page of them is binary)."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) in {"Co", "Cs", "Cn"} or ch == "\ufffd")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    return (bad + max(0, controls - 2 - len(text) // 10)) / len(text)


def decode(data: bytes, name: str) -> str:
    """Decode note bytes, trying UTF-8 first and GB18030 (a superset of GBK) second."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 maps almost any byte string to *something*: accept it only when the
        # result reads as Chinese text rather than as a scatter of rare code points.
        if encoding == "gb18030" and not _plausible_chinese(text):
            continue
        if "\x00" in text:  # UTF-16 hides NULs from the byte check
            raise InputError(f"{name}: the text holds a NUL character; this looks like a binary file, not a text note")
        if _noise_ratio(_ESCAPES.sub("", text)) > 0.01:  # escape sequences are stripped later, not noise
            continue
        return text
    raise InputError(
        f"{name}: cannot decode this file as UTF-8 or GBK/GB18030 text; save it as UTF-8 and try again"
    )


def _plausible_chinese(text: str) -> bool:
    common = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fa5" or ch.isascii() or ch in "，。：；？！（）、“”")
    return has_cjk(text) and common / max(len(text), 1) > 0.9


class _HTMLText(HTMLParser):
    """Collects visible text, writing headings as ``#`` lines and list items as ``- `` lines."""

    _SKIP = {"head", "title", "script", "style", "nav", "footer", "header", "aside", "noscript", "form", "button", "svg"}
    _BLOCK = {"p", "div", "section", "article", "br", "tr", "pre", "blockquote", "table", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self._prefix = ""

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        if text:
            self.lines.append(self._prefix + text)
        self._buf, self._prefix = [], ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._prefix = "#" * int(tag[1]) + " "
        elif tag == "li":
            self._flush()
            self._prefix = "- "
        elif tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag == "li" or tag in self._BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page as Markdown-like lines.

    >>> html_to_text("<h2>BN的作用</h2><script>x()</script><p>加快收敛</p>")
    '## BN的作用\\n加快收敛'
    """
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    parser._flush()
    return "\n".join(parser.lines)


def _format_of(name: str, text: str) -> tuple[Format, bool]:
    suffix = Path(name).suffix.lower()
    is_html = suffix in _HTML_SUFFIXES or (
        suffix not in _MARKDOWN_SUFFIXES and re.match(r"\s*(<!doctype html|<html)", text, re.I) is not None
    )
    if is_html:
        return "markdown", True
    if suffix in _MARKDOWN_SUFFIXES:
        return "markdown", False
    if suffix in _TEXT_SUFFIXES:
        return "text", False
    raise InputError(f"{name}: unsupported file type {suffix!r}; give a .md, .txt or .html note")


def note_from_text(name: str, text: str, source: str = "") -> RawNote:
    """Build a note from already-decoded text (the file name decides the format)."""
    fmt, is_html = _format_of(name, text)
    if "\x00" in text:
        raise InputError(f"{name}: the text holds a NUL character (line {text[:text.index(chr(0))].count(chr(10)) + 1}); "
                         "this looks like a binary file, not a text note")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_controls(html_to_text(text) if is_html else text)  # after HTML: &#27; decodes to ESC
    text = strip_chrome(text)
    if not text.strip():
        raise InputError(f"{name}: the note has no text left after removing web chrome; nothing to ingest")
    return RawNote(id=Path(name).name, text=text, format=fmt, source=source)


def note_files(paths: Sequence[str | Path]) -> list[Path]:
    """``paths`` with each directory replaced by the note files under it (``.md``, ``.txt``,
    ``.html`` and their kin, in name order, hidden ones skipped): ``kgqa ingest ~/notes`` takes a
    folder as it is. A file is kept whatever its type, so that reading it says what is wrong.
    Raises InputError for a directory that holds no note.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "b.md").write_text("x"); _ = (d / "a.png").write_text("x")
    >>> [p.name for p in note_files([d])]
    ['b.md']
    """
    out: list[Path] = []
    for given in map(Path, paths):
        if not given.is_dir():
            out.append(given)
            continue
        found = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in _LISTED
                       and not any(part.startswith(".") for part in p.relative_to(given).parts))
        if not found:
            raise InputError(f"{given}: a directory with no notes in it (looked for {', '.join(sorted(_LISTED))})")
        out += found
    return out


def read_note(path: str | Path) -> RawNote:
    """Read and decode one note file, raising :class:`InputError` with a one-line reason."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name}: the file is empty; give a note with some text")
    if size > MAX_BYTES:
        raise InputError(f"{name}: {size:,} bytes is too large (limit {MAX_BYTES:,}); split the note into smaller files")
    data = path.read_bytes()
    if _looks_binary(data):
        at = data.index(b"\x00")
        raise InputError(f"{name}: a NUL byte at offset {at:,} says this is a binary file, not a text note; "
                         "give Markdown, plain text or HTML")
    text = decode(data, name)
    if not text.strip():
        raise InputError(f"{name}: the file holds only whitespace; give a note with some text")
    return note_from_text(name, text, source=str(path.resolve()))
