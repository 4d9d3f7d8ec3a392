from __future__ import annotations

import pytest

from kg.text import compact, fold, fold_with_offsets, has_cjk


@pytest.mark.parametrize(
    "variants",
    [
        ["1x1卷积", "1×1卷积", "1*1卷积", "1X1卷积", "１x１卷积"],
        ["Batch Normalization", "batch-normalization", "BATCH  NORMALIZATION"],
        ["GAN训练不稳定", "GAN 训练不稳定", "gan　训练不稳定"],
        ["max pooling", "Max-Pooling", "max\tpooling"],
    ],
)
def test_spelling_variants_fold_to_one_key(variants: list[str]) -> None:
    assert len({fold(v) for v in variants}) == 1


@pytest.mark.parametrize("text", ["BN层的作用?", "Ｆｕｌｌ－ｗｉｄｔｈ BN", "a  b -- c", "", "× 3x3 ×"])
def test_offsets_point_back_into_the_original(text: str) -> None:
    folded, offsets = fold_with_offsets(text)
    assert len(folded) == len(offsets)
    assert offsets == sorted(offsets)
    assert all(0 <= i < len(text) for i in offsets)


def test_underscore_keeps_identifiers_whole() -> None:
    assert fold("fc_dim") == "fc_dim"


def test_times_sign_only_between_digits() -> None:
    assert fold("a×b") == "a×b"
    assert compact("Max Pooling") == "maxpooling"


@pytest.mark.parametrize(("text", "expected"), [("BN层", True), ("BN", False), ("池化", True), ("", False)])
def test_has_cjk(text: str, expected: bool) -> None:
    assert has_cjk(text) is expected


def test_fold_agrees_with_fold_with_offsets_on_every_note_line_and_alias() -> None:
    from pathlib import Path

    from kg.text import fold, fold_with_offsets

    root = Path(__file__).resolve().parents[2]
    lines = [line for path in [*root.glob("corpus/notes/*.md"), root / "corpus/concepts.yaml"]
             for line in path.read_text(encoding="utf-8").split("\n")]
    lines += ["Ａ-B", "1×1卷积", "GAN 训练", "  a  -- b ", "½ ﬁ", "Straße", "\u3000中\u3000", "x×2", "3*3 conv", ""]
    assert len(lines) > 3000
    assert [fold(t) for t in lines] == [fold_with_offsets(t)[0] for t in lines]
