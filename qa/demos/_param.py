"""One typed, bounded parameter of a demonstration.

A :class:`Param` is the whole schema of one knob: the CLI hands us ``k=v`` strings and the
app hands us native values, and :meth:`Param.coerce` turns either into a checked native value
or raises :class:`~kg.errors.ParameterError` naming the parameter and what would be valid.
Nothing here ever evaluates user text; strings are only parsed as numbers, booleans or one
of a fixed set of choices.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

from kg.errors import ParameterError

__all__ = ["Param", "ParamKind", "ParamValue"]

ParamKind = Literal["int", "float", "choice", "bool"]
ParamValue = int | float | str | bool

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
# Long inputs are cut in messages so a pasted megabyte does not become a megabyte error.
_SHOWN = 40


def _show(value: object) -> str:
    """Short printable form of a user value, e.g. ``'abc'`` -> ``abc``."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _fmt(x: float) -> str:
    """Compact number for messages: ``4.0`` -> ``4``, ``0.0001`` -> ``0.0001``."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class Param:
    """Schema of one demo parameter.

    Example: ``Param("stride", "int", 1, 1, 4).coerce("3") == 3``.
    """

    name: str
    kind: ParamKind
    default: ParamValue
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    help_zh: str = ""

    def __post_init__(self) -> None:
        # Schema mistakes are programming errors, caught at import time, not user errors.
        if self.kind not in ("int", "float", "choice", "bool"):
            raise ValueError(f"param {self.name}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"param {self.name}: a choice needs choices")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"param {self.name}: min > max")
        self.coerce(self.default)

    def valid_range(self) -> str:
        """Human description of the valid values, e.g. ``an integer in 1..4``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        noun = "an integer" if self.kind == "int" else "a number"
        lo = "-inf" if self.min is None else _fmt(self.min)
        hi = "inf" if self.max is None else _fmt(self.max)
        return f"{noun} in {lo}..{hi}"

    def _error(self, value: object, problem: str) -> ParameterError:
        return ParameterError(f"{self.name}={_show(value)} {problem}: choose {self.valid_range()}")

    def coerce(self, value: object) -> ParamValue:
        """Return ``value`` as this parameter's native type, or raise ``ParameterError``.

        Accepts native values and the strings a command line would pass
        (``"3"``, ``"0.5"``, ``"true"``, ``"relu"``).
        Example: ``Param("p", "float", 0.5, 0, 1).coerce("0.25") == 0.25``.
        """
        if self.kind == "bool":
            return self._coerce_bool(value)
        if self.kind == "choice":
            return self._coerce_choice(value)
        number = self._coerce_int(value) if self.kind == "int" else self._coerce_float(value)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise self._error(value, "is out of range")
        return number

    def _coerce_int(self, value: object) -> int:
        # bool is a subclass of int; True as a kernel size is almost surely a mistake.
        if isinstance(value, bool):
            raise self._error(value, "is not an integer")
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            return int(float(value))
        if isinstance(value, str):
            try:
                return int(value.strip(), 10)
            except ValueError:
                pass
        raise self._error(value, "is not an integer")

    def _coerce_float(self, value: object) -> float:
        number: float | None = None
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and len(value) <= 64:
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        if number is None:
            raise self._error(value, "is not a number")
        if not math.isfinite(number):
            raise self._error(value, "is not a finite number")
        return number

    def _coerce_bool(self, value: object) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, numbers.Integral) and int(value) in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        raise self._error(value, "is not a boolean")

    def _coerce_choice(self, value: object) -> str:
        if isinstance(value, str):
            word = value.strip()
            if word in self.choices:
                return word
            # Case-insensitive second chance: "ReLU" should find "relu".
            folded = {c.lower(): c for c in self.choices}
            if word.lower() in folded:
                return folded[word.lower()]
        raise self._error(value, "is not a valid choice")

    def to_dict(self) -> dict[str, object]:
        """JSON-able description, e.g. for the CLI's ``--list`` and the app's form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices),
            "help": self.help,
            "help_zh": self.help_zh,
        }
