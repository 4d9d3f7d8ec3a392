"""The one exception tree of kgqa.

Every error a user can cause derives from :class:`KGQAError`, so the CLI maps it to a
one-line message with exit code 2 and the app maps it to ``gr.Error``::

    KGQAError
    ├── InputError          bad user input: empty, huge, binary, undecodable, out of bounds
    │   └── ParameterError  a demo parameter outside its schema
    ├── NotFoundError       an unknown concept, note or demo id
    └── StoreError          a knowledge-base file that is missing, corrupt or of another version

Messages say what was wrong and what to do, e.g.
``ParameterError("stride=9 is out of range: choose 1..4")``.
"""
from __future__ import annotations

__all__ = ["KGQAError", "InputError", "ParameterError", "NotFoundError", "StoreError"]


class KGQAError(Exception):
    """Base class of every error that kgqa raises on purpose."""


class InputError(KGQAError, ValueError):
    """User input that cannot be used as given (empty, too large, binary, undecodable)."""


class ParameterError(InputError):
    """A parameter outside its declared type, bounds or choices."""


class NotFoundError(KGQAError, LookupError):
    """A concept, note or demo that does not exist."""


class StoreError(KGQAError):
    """A knowledge-base file that cannot be read: missing, corrupt or written by another version."""
