"""Turn the errors a user can cause into Gradio's error toast, with the backend's own message.

>>> from kg.errors import NotFoundError
>>> try:
...     with friendly("en"):
...         raise NotFoundError("no concept called 'x'")
... except gr.Error as exc:
...     print(exc.message)
no concept called 'x'
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from kg.errors import KGQAError
from ui.views.i18n import t

__all__ = ["friendly"]


@contextmanager
def friendly(lang: str) -> Iterator[None]:
    """Re-raise :class:`KGQAError` as ``gr.Error`` (shown to the user); anything else is a bug and propagates."""
    try:
        yield
    except KGQAError as exc:
        raise gr.Error(str(exc), title=t(lang, "error"), print_exception=False) from exc
