"""The app's four views (chat, explorer, demos, practice): plain handlers that call :mod:`qa` and
format results, plus each tab's layout. Handlers take the knowledge base explicitly."""
from __future__ import annotations

__all__: list[str] = []
