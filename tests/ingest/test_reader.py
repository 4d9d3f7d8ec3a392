from __future__ import annotations

from pathlib import Path

import pytest

from ingest.reader import MAX_BYTES, html_to_text, note_files, read_note
from kg.errors import InputError

NOTE = "## BN层的作用\n加快网络的训练和收敛的速度。\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.md", NOTE.encode("utf-8")),
        ("bom.md", b"\xef\xbb\xbf" + NOTE.encode("utf-8")),
        ("gbk.md", NOTE.encode("gbk")),
        ("gb18030.md", NOTE.encode("gb18030")),
        ("utf16.md", NOTE.encode("utf-16")),
        ("crlf.md", NOTE.replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    note = read_note(path)
    assert note.id == name
    assert note.text == NOTE.strip("\n")
    assert note.format == "markdown"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.md", b"", "empty"),
        ("blank.md", b"  \n\t\n", "whitespace"),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("noise.txt", bytes(range(128, 256)) * 4, "cannot decode"),
        ("slides.pptx", b"hello", "unsupported"),
        ("chrome.md", "Skip to content\n【推荐】广告\n".encode(), "no text left"),
    ],
)
def test_bad_files_get_one_line_errors_naming_the_file(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as info:
        read_note(path)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(b"a" * (MAX_BYTES + 1))
    with pytest.raises(InputError, match="too large"):
        read_note(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_note(tmp_path / "nope.md")


def test_html_keeps_headings_lists_and_text_but_not_scripts(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p{}</style></head><body><nav>首页 | 登录</nav>"
        "<h2>池化的作用?</h2><ul><li>下采样</li><li>减少参数</li></ul>"
        "<p>池化层&amp;卷积层</p><script>alert(1)</script><footer>© site</footer></body></html>"
    )
    assert html_to_text(html) == "## 池化的作用?\n- 下采样\n- 减少参数\n池化层&卷积层"
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    assert read_note(path).format == "markdown"


def test_plain_text_is_parsed_as_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("池化的作用?\n下采样,减少参数。", encoding="utf-8")
    assert read_note(path).format == "text"


def test_a_nul_byte_anywhere_rejects_the_file(tmp_path: Path) -> None:
    """Not only in the first 8 KB: a NUL after 100 KB of good text is still a binary file."""
    path = tmp_path / "late.md"
    path.write_bytes(NOTE.encode("utf-8") * 4000 + b"\x00 tail\n")
    with pytest.raises(InputError, match=r"late\.md: a NUL byte at offset [\d,]+"):
        read_note(path)
    utf16 = tmp_path / "utf16.md"
    utf16.write_bytes((NOTE + "\x00").encode("utf-16"))
    with pytest.raises(InputError, match="NUL"):
        read_note(utf16)


@pytest.mark.parametrize("suffix", [".md", ".txt", ".html"])
def test_terminal_escapes_and_controls_are_stripped_on_ingest(tmp_path: Path, suffix: str) -> None:
    body = ("## BN层\x1b]0;pwned\x07的作用\n加快\x1b[1;31m网络\x1b[0m的训练\x9b2J和\x07收敛的\x7f速度。\x1bc\n\t缩进保留\n")
    if suffix == ".html":
        body = "<h2>BN层\x1b[31m的作用</h2><p>加快网络的训练\x1b[2J和收敛的速度。</p>"
    path = tmp_path / f"escapes{suffix}"
    path.write_text(body, encoding="utf-8")
    text = read_note(path).text
    assert not any(ord(ch) < 32 and ch not in "\n\t" or 0x7f <= ord(ch) <= 0x9f for ch in text), repr(text)
    assert "[31m" not in text and "pwned" not in text and "2J" not in text
    assert "BN层的作用" in text and "的训练和" in text
    if suffix == ".md":
        assert "加快网络的训练和收敛的速度。" in text and "\t缩进保留" in text


def test_an_unterminated_escape_string_only_loses_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "osc.md"
    path.write_text("## 标题\n\x1b]0;title without end\n下一行保留。\n", encoding="utf-8")
    assert read_note(path).text == "## 标题\n\n下一行保留。"


@pytest.mark.parametrize(("tree", "expected"), [
    ({"a.md": "x", "sub/b.txt": "x", "sub/deeper/c.HTML": "x"}, ["a.md", "sub/b.txt", "sub/deeper/c.HTML"]),
    ({"a.md": "x", "picture.png": "x", "LICENSE": "x", "notes.pdf": "x"}, ["a.md"]),  # only note types
    ({"a.md": "x", ".git/b.md": "x", ".hidden.md": "x", "sub/.cache/c.md": "x"}, ["a.md"]),  # nothing hidden
])
def test_a_directory_stands_for_the_notes_under_it(tmp_path: Path, tree: dict[str, str], expected: list[str]) -> None:
    for name, text in tree.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in note_files([tmp_path])] == expected


def test_files_are_kept_as_given_and_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    picture = tmp_path / "p.png"
    picture.write_bytes(b"x")
    assert note_files([picture, tmp_path / "missing.md"]) == [picture, tmp_path / "missing.md"]  # reading says why
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no notes"):
        note_files([tmp_path / "empty"])
