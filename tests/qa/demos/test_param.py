"""Param: coercion of native values and CLI strings, bounds, and helpful messages."""
from __future__ import annotations

import math

import pytest

from kg.errors import ParameterError
from qa.demos import Param

STRIDE = Param("stride", "int", 1, 1, 4)
LR = Param("lr", "float", 0.1, 0.0001, 1.0)
FLAG = Param("bias", "bool", True)
ACT = Param("act", "choice", "relu", choices=("relu", "tanh"))


@pytest.mark.parametrize("value, expected", [
    (3, 3), ("3", 3), (" 4 ", 4), (2.0, 2), ("+2", 2),
])
def test_int_accepts_native_and_strings(value: object, expected: int) -> None:
    assert STRIDE.coerce(value) == expected
    assert type(STRIDE.coerce(value)) is int


@pytest.mark.parametrize("value", [True, False, "3.5", 3.5, "abc", "", None, [1], "1" * 5000,
                                   math.nan, math.inf])
def test_int_rejects_non_integers(value: object) -> None:
    pattern = r"^stride=.* is not an integer: choose an integer in 1\.\.4$"
    with pytest.raises(ParameterError, match=pattern):
        STRIDE.coerce(value)


def test_out_of_range_message_names_param_and_range() -> None:
    with pytest.raises(ParameterError) as info:
        STRIDE.coerce("9")
    assert str(info.value) == "stride=9 is out of range: choose an integer in 1..4"
    with pytest.raises(ParameterError, match=r"choose a number in 0\.0001\.\.1$"):
        LR.coerce(5)


@pytest.mark.parametrize("value, expected", [("0.5", 0.5), (1, 1.0), ("1e-3", 0.001), (0.25, 0.25)])
def test_float_accepts_numbers_and_strings(value: object, expected: float) -> None:
    assert LR.coerce(value) == expected
    assert type(LR.coerce(value)) is float


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", math.nan, math.inf, "1e999", True,
                                   "0.5; import os", "x" * 100, None])
def test_float_rejects_nan_inf_bool_and_junk(value: object) -> None:
    with pytest.raises(ParameterError, match=r"^lr="):
        LR.coerce(value)


@pytest.mark.parametrize("value, expected", [
    (True, True), ("true", True), ("False", False), ("yes", True), ("off", False), (1, True),
    (0, False), (" TRUE ", True),
])
def test_bool_accepts_common_spellings(value: object, expected: bool) -> None:
    assert FLAG.coerce(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, 0.5, None])
def test_bool_rejects_others(value: object) -> None:
    with pytest.raises(ParameterError, match="choose true or false"):
        FLAG.coerce(value)


def test_choice_is_exact_or_case_insensitive_and_lists_options() -> None:
    assert ACT.coerce("tanh") == "tanh"
    assert ACT.coerce("ReLU") == "relu"
    with pytest.raises(ParameterError) as info:
        ACT.coerce("sigmoid")
    assert str(info.value) == "act=sigmoid is not a valid choice: choose one of relu, tanh"
    with pytest.raises(ParameterError):
        ACT.coerce(1)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ParameterError) as info:
        ACT.coerce("z" * 10_000)
    assert len(str(info.value)) < 120


def test_schema_mistakes_fail_at_definition() -> None:
    with pytest.raises(ParameterError):
        Param("k", "int", 9, 1, 4)  # default out of its own range
    with pytest.raises(ValueError):
        Param("act", "choice", "relu")  # a choice without choices
    with pytest.raises(ValueError):
        Param("k", "int", 1, 4, 1)  # min > max


def test_to_dict_is_plain_data() -> None:
    assert ACT.to_dict() == {
        "name": "act", "kind": "choice", "default": "relu", "min": None, "max": None,
        "choices": ["relu", "tanh"], "help": "", "help_zh": "",
    }
