from __future__ import annotations

from pathlib import Path

import pytest

from ingest.reader import MAX_BYTES, html_to_text, read_note
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
