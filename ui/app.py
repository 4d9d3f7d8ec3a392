"""The study app: five tabs over one :class:`~qa.KnowledgeBase`, Chinese by default, English on a switch.

:func:`build_app` only builds the Blocks (importing this module starts nothing);
:func:`serve` starts it in the background and returns it (tests, benchmarks);
:func:`launch` serves and blocks (``kgqa serve``). Handlers live in :mod:`ui.views`; this module
lays out the tabs and wires the events that cross them: a concept picked in the chat opens
in the explorer, a demo picked in the explorer opens in the demos tab, and the chat kept in the
browser comes back on a reload. The Notes tab writes to the knowledge base only when the app
was started with ``allow_ingest`` (``kgqa serve --allow-ingest``, or ``--auth``).

A served app also keeps house in one background thread: it swaps in a fresh read model soon
after another process or replica commits a change, and forgets the sessions of users who left
(:func:`forget_sessions`), so memory follows the users present. Uploads and logins pass
through :class:`ui.guard.Guard` (limits for a shared server; see docs/deploy.md).

    >>> from qa import KnowledgeBase                 # doctest: +SKIP
    >>> launch(KnowledgeBase.open())                 # doctest: +SKIP
    kgqa is running at http://127.0.0.1:7860/
"""
from __future__ import annotations

import datetime
import errno
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from kg.errors import InputError
from qa import KnowledgeBase
from ui.guard import Guard, LoginLimiter
from ui.views import chat, demos, explorer, notes, practice
from ui.views.i18n import LANGS, STORED_JS, SWITCH_JS, BootLocale, lang_of, t
from ui.views.markup import esc, parse_pick

__all__ = ["ASSETS", "CONCURRENCY", "build_app", "serve", "launch", "forget_sessions"]

ASSETS = Path(__file__).resolve().parent / "assets"
CONCURRENCY = 4
REFRESH_SECONDS = 1.0  # how often the server looks for notes another process or replica committed
SESSION_IDLE = 3600.0  # a session without an event for this long is forgotten (the chat is kept in the browser)
CLOSED_GRACE = 30.0    # a closed tab's (or API client's) session is forgotten this long after it closed
SESSION_CAPACITY = 2000  # and never more sessions than this (Gradio's default keeps 10,000)
Logins = tuple[str, str] | list[tuple[str, str]]
_LANG_CHOICES = [("中文", "zh"), ("English", "en")]


def _theme() -> gr.themes.Base:
    """A calm theme using only fonts that ship with Gradio or the system (no web-font CDN)."""
    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="teal",
        neutral_hue="slate",
        font=[gr.themes.LocalFont("Source Sans Pro"), "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "Noto Sans Mono CJK SC", "monospace"],
    )


def _header(kb: KnowledgeBase, lang: str) -> str:
    """The title block, with the size of the knowledge base."""
    stats = kb.graph.stats()
    counts = t(lang, "counts").format(notes=len(kb.snapshot.documents), concepts=stats["concepts"],
                                      relations=stats["relations"])
    return (f'<div class="kg-header"><h1>{esc(t(lang, "title"))}</h1>'
            f'<p>{esc(t(lang, "subtitle"))}</p><p class="kg-stats">{esc(counts)}</p></div>')


def navigate(kb: KnowledgeBase, value: str) -> tuple[Any, Any, Any]:
    """Where a picked concept or demo opens: (tabs, explorer concept, demo choice) updates."""
    kind, payload = parse_pick(value)
    if kind == "concept" and payload in kb.graph:
        return gr.Tabs(selected="graph"), explorer.concept_name(kb, payload), gr.skip()
    if kind == "demo":
        return gr.Tabs(selected="demos"), gr.skip(), payload
    return gr.skip(), gr.skip(), gr.skip()


def chat_option(kb: KnowledgeBase, history: list[chat.Message], lang: str, value: str) -> tuple[Any, ...]:
    """A chat option: concepts open in the explorer; follow-ups and demos stay in the chat."""
    if parse_pick(value)[0] == "concept":
        return (gr.skip(), *navigate(kb, value))
    return chat.follow(kb, history, lang, value), gr.skip(), gr.skip(), gr.skip()


def _wire(kb: KnowledgeBase, tabs: gr.Tabs, lang: gr.Radio, chat_view: chat.ChatView,
          explorer_view: explorer.ExplorerView, demos_view: demos.DemosView) -> None:
    """The events that cross tabs, and the API-only endpoint."""
    targets = [tabs, explorer_view.concept, demos_view.choice]

    # Closures, not functools.partial: Gradio finds the SelectData parameter from the annotations.
    def on_option(history: list[chat.Message], lang_value: str, event: gr.SelectData) -> tuple[Any, ...]:
        return chat_option(kb, history, lang_value, event.value)

    def on_pick(event: gr.SelectData) -> tuple[Any, Any, Any]:
        return navigate(kb, event.value)

    def run_demo(demo_id: str, params: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
        """Run a demo with parameters; its explanation and metrics as JSON."""
        return demos.summary(kb, demo_id, params, lang)

    chat_view.bot.option_select(on_option, [chat_view.bot, lang], [chat_view.bot, *targets],
                                api_visibility="private").then(None, js=chat.SCROLL_JS)
    gr.on([explorer_view.graph.select, explorer_view.details.select], on_pick, None, targets, api_visibility="private")
    gr.api(run_demo, api_name="run_demo")


def build_app(kb: KnowledgeBase, allow_ingest: bool = False) -> gr.Blocks:
    """The whole app as ``gr.Blocks``, not started. Per-user state lives in ``gr.State``,
    ``gr.BrowserState`` and the components' own values; ``kb`` is shared by every session and
    changed only by the Notes tab, when ``allow_ingest``."""
    # Uploaded files are deleted once read (ui.views.notes.upload); the cache sweep catches the rest.
    with gr.Blocks(title=t("zh", "title"), analytics_enabled=False, delete_cache=(600, 600)) as app:
        with gr.Row(elem_classes=["kg-top"]):
            top = gr.HTML(_header(kb, "zh"), elem_id="kg-header")
            lang = gr.Radio(_LANG_CHOICES, value=LANGS[0], label=t("zh", "language"), scale=0, min_width=220,
                            elem_id="kg-lang")
        with gr.Tabs(selected="chat", elem_id="kg-tabs") as tabs:
            chat_view = chat.build(kb, lang)
            explorer_view = explorer.build(kb, lang)
            demos_view = demos.build(kb, lang)
            practice_view = practice.build(kb, lang)
            notes_view = notes.build(kb, lang, allow_ingest)
        views = (chat_view, explorer_view, demos_view, practice_view, notes_view)
        _wire(kb, tabs, lang, chat_view, explorer_view, demos_view)

        def relabel(value: str) -> list[Any]:
            lang_value = lang_of(value)
            updates: list[Any] = [_header(kb, lang_value), gr.Radio(label=t(lang_value, "language"))]
            for view in views:
                updates += view.relabel(lang_value)
            return updates

        outputs = [top, lang, *(block for view in views for block in view.labelled)]
        # The explorer redraws itself on a language change (explorer.build listens to `lang`).
        lang.change(relabel, lang, outputs, api_visibility="private", queue=False)
        # A switch stores the language and reloads, so that Gradio's own words follow it (ui.views.i18n).
        # On load the kept chat comes back and the radio takes the stored language; its change relabels
        # and re-words the page, the chat included. A switch back to the default changes no value: the
        # chat is re-worded here.
        kept = [demos_view.choice, demos_view.setting]  # what else a reload would lose and a switch keeps
        lang.input(None, [lang, *kept], None, js=SWITCH_JS)
        switched = gr.Checkbox(False, visible=False)

        def restore(saved: list[chat.Message] | None, shown: list[chat.Message] | None, value: str, reloaded: bool,
                    *values: Any) -> tuple[Any, ...]:
            value = lang_of(value)
            history = chat.restored(kb, saved, shown, value, reloaded)
            return (history, value, *(values if reloaded else [gr.skip()] * len(values)), 1)

        app.load(restore, [chat_view.saved, chat_view.bot, lang, switched, *kept],
                 [chat_view.bot, lang, *kept, demos_view.shown],
                 js=STORED_JS,
                 api_visibility="private", queue=False)
        # The header counts the notes: recount when the Notes tab adds or removes one.
        notes_view.table.change(lambda value: _header(kb, lang_of(value)), lang, top, api_visibility="private", queue=False)
    return app


def forget_sessions(app: gr.Blocks, closed_since: dict[str, float], idle: float = SESSION_IDLE,
                    grace: float = CLOSED_GRACE, now: float | None = None) -> int:
    """Drop the per-session state Gradio keeps (a copy of every component's config, the session's
    values) for sessions closed more than ``grace`` seconds ago or idle more than ``idle``
    seconds; returns how many. Gradio itself keeps every session until 10,000 exist, which is what
    made the server grow by ~30 MB per 100 sessions. ``closed_since`` remembers when each closed
    session was first seen closed (the caller keeps it between calls)."""
    holder = getattr(app, "state_holder", None)
    if holder is None:
        return 0
    now = time.monotonic() if now is None else now
    cutoff = datetime.datetime.now() - datetime.timedelta(seconds=idle)
    with holder.lock:
        sessions = list(holder.session_data.items())
        used = dict(holder.time_last_used)
    stale = []
    for session, state in sessions:
        if getattr(state, "is_closed", False):
            closed_since.setdefault(session, now)
        if (session in closed_since and now - closed_since[session] >= grace) or used.get(session, cutoff) < cutoff:
            stale.append(session)
    for session in stale:
        holder.delete_state(session)  # runs gr.State delete callbacks
        with holder.lock:
            holder.session_data.pop(session, None)
            holder.time_last_used.pop(session, None)
        closed_since.pop(session, None)
    for session in set(closed_since) - {s for s, _ in sessions}:
        closed_since.pop(session, None)
    return len(stale)


def _housekeeping(kb: KnowledgeBase, app: gr.Blocks, stop: threading.Event, grace: float) -> None:
    """Every second: swap in a fresh read model soon after another process or replica commits a
    change, so no user's question waits for the compile (``KnowledgeBase.refresh``; PostgreSQL
    hears of commits by LISTEN/NOTIFY, SQLite by ``data_version``). Every few seconds: forget
    ended sessions (:func:`forget_sessions`)."""
    refresh = getattr(kb, "refresh", None)
    closed: dict[str, float] = {}
    ticks = 0
    while not stop.wait(REFRESH_SECONDS):
        ticks += 1
        try:
            if refresh is not None:
                refresh()
            if ticks % 5 == 0:
                forget_sessions(app, closed, grace=grace)
        except Exception:  # noqa: BLE001 - a store that is briefly unreachable: the next ask says so
            continue


def without_proxy(no_proxy: str, host: str) -> str:
    """``no_proxy`` with the loopback names and ``host`` added: Gradio checks that it started by
    fetching its own URL with httpx, which honours ``HTTP_PROXY``, so behind a proxy that cannot
    reach this machine (a corporate one, or none at all) the app refused to start.

    >>> without_proxy("corp.example", "0.0.0.0")
    'corp.example,localhost,127.0.0.1,::1,0.0.0.0'
    >>> without_proxy("localhost,127.0.0.1,::1", "127.0.0.1")
    'localhost,127.0.0.1,::1'
    """
    names = [n for n in (x.strip() for x in no_proxy.split(",")) if n]
    return ",".join(dict.fromkeys([*names, "localhost", "127.0.0.1", "::1", host]))


def check_port(host: str, port: int) -> None:
    """Raise :class:`InputError` naming our own ``--port`` when ``host:port`` cannot be listened on
    (Gradio's own message tells a user of ``kgqa serve`` to set ``server_port`` in ``launch()``).
    Port 0 is always free: the system picks one."""
    if port == 0:
        return
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
            probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is in use (another kgqa serve?): stop it, or give --port N "
                             "(--port 0 picks a free one)") from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host and --port") from None


def serve(kb: KnowledgeBase, host: str = "127.0.0.1", port: int = 7860, auth: Logins | None = None,
          *, quiet: bool = False, allow_ingest: bool = False, login_limiter: LoginLimiter | None = None,
          session_grace: float = CLOSED_GRACE) -> gr.Blocks:
    """Start the app in the background and return it (call ``.close()`` to stop it).

    At most :data:`CONCURRENCY` requests per event run at once; the rest wait in the queue. Only
    Gradio's own bundle is served: the stylesheet is inlined and no extra path is allowed, and
    the knowledge-base directory is explicitly blocked. Notes can be uploaded (up to
    :data:`~ui.views.notes.MAX_FILE_SIZE` bytes each, note types only) with ``allow_ingest`` or
    ``auth``; otherwise the server accepts no file at all (:class:`ui.guard.Guard`). With ``auth``
    (one ``(user, password)`` or a list), failed logins are rate-limited per client address.
    """
    check_port(host, port)
    uploads = allow_ingest or auth is not None
    app = build_app(kb, allow_ingest=uploads)
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=256)
    limiter = (login_limiter or LoginLimiter()) if auth is not None else None
    bypass = without_proxy(os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or "", host)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = bypass
    app.launch(
        server_name=host, server_port=port, auth=auth, prevent_thread_lock=True, quiet=True, show_error=False,
        theme=_theme(), css_paths=[ASSETS / "app.css"], allowed_paths=[],
        blocked_paths=[str(kb.path)] if isinstance(kb.path, Path) else [],  # a postgresql:// store has no directory
        ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False, footer_links=["api"],
        max_file_size=notes.MAX_FILE_SIZE, state_session_capacity=SESSION_CAPACITY,
        app_kwargs={"middleware": [Middleware(Guard, uploads=uploads, limiter=limiter), Middleware(BootLocale)]},
    )
    stop = threading.Event()
    threading.Thread(target=_housekeeping, args=(kb, app, stop, session_grace), name="kgqa-housekeeping",
                     daemon=True).start()
    close = app.close

    def close_all(*args: Any, **kwargs: Any) -> None:
        stop.set()
        close(*args, **kwargs)

    app.close = close_all  # type: ignore[method-assign]
    if not quiet:
        print(f"kgqa is running at {app.local_url}  (Ctrl+C to stop)", flush=True)
    return app


def launch(kb: KnowledgeBase, host: str = "127.0.0.1", port: int = 7860, auth: Logins | None = None,
           allow_ingest: bool = False) -> None:
    """Serve the app on ``host:port`` (loopback by default) until interrupted."""
    app = serve(kb, host, port, auth, allow_ingest=allow_ingest)
    try:
        app.block_thread()
    finally:
        app.close()
