"""Errors the user sees: the backend's own messages and the app's own, as Gradio's error toast.

Gradio renders a toast's message as HTML, and messages echo what the user typed, so every
message is escaped here: ``<b>`` typed into a box shows as ``<b>``, never as bold.

>>> from kg.errors import NotFoundError
>>> try:
...     with friendly("en"):
...         raise NotFoundError("no concept called 'x'")
... except gr.Error as exc:
...     print(exc.message)
no concept called 'x'
>>> user_error("en", "empty_answer").message
'Write an answer first.'
>>> user_error("en", "too_long", n="<b>", max=1).message
'The question is &lt;b&gt; characters long: please keep it under 1.'
"""
from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from kg.errors import KGQAError
from ui.views.i18n import t

__all__ = ["friendly", "user_error"]


def _text(message: object) -> str:
    """``message`` as HTML text (a toast's body is text, so quotes may stay as they are)."""
    return html.escape(str(message), quote=False)


def user_error(lang: str, key: str, **values: object) -> gr.Error:
    """The app's message ``key`` in ``lang`` (formatted with ``values``) as an error to raise.

    A user's mistake is not a bug, so no traceback is printed on the server.
    """
    return gr.Error(_text(t(lang, key).format(**values)), title=t(lang, "error"), print_exception=False)


@contextmanager
def friendly(lang: str) -> Iterator[None]:
    """Re-raise :class:`KGQAError` as ``gr.Error`` (shown to the user); anything else is a bug and propagates."""
    try:
        yield
    except KGQAError as exc:
        raise gr.Error(_text(exc), title=t(lang, "error"), print_exception=False) from exc
