"""The app's four views, one module each: plain handlers that call :mod:`qa` and format the
results, plus that tab's layout. Handlers take the knowledge base explicitly; per-user state
travels in ``gr.State``. Shared pieces: :mod:`~ui.views.i18n` (words), :mod:`~ui.views.markup`
(escaped HTML), :mod:`~ui.views.diagram` (SVG graph), :mod:`~ui.views.errors` (user errors)."""
from __future__ import annotations

from ui.views import chat, demos, explorer, practice

__all__ = ["chat", "demos", "explorer", "practice"]
