"""The language switch, tab by tab: every word a tab shows in Chinese is relabelled in English (none
is left hard-coded), and what a tab has on screen (practice's question and tally) is re-worded.
The chat's re-wording of earlier answers is tested in test_views_chat.py, the page in test_browser.py."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import gradio as gr
import pytest

from qa import KnowledgeBase
from ui.views import chat, demos, explorer, notes, practice
from ui.views.i18n import LANGS, t

CJK = re.compile(r"[\u3400-\u9fff]")
_WORDS = ("label", "value", "placeholder", "info")


def _words(block: object) -> list[str]:
    """The interface words of a component (its value only where it is a label: buttons, markdown, tabs)."""
    names = _WORDS if isinstance(block, (gr.Button, gr.DownloadButton, gr.Markdown, gr.Tab, gr.Accordion)) else _WORDS[::2]
    out = [v for name in names if isinstance(v := getattr(block, name, None), str)]
    choices = getattr(block, "choices", None) or []
    return out + [str(c[0]) for c in choices if isinstance(c, tuple)]


def _blocks(block: object) -> Iterator[object]:
    yield block
    for child in getattr(block, "children", []) or []:
        yield from _blocks(child)


_VIEWS: dict[str, Callable[[KnowledgeBase, gr.Radio], object]] = {
    "chat": chat.build, "explorer": explorer.build, "demos": demos.build, "practice": practice.build,
    "notes": lambda kb, lang: notes.build(kb, lang, True),
}


@pytest.fixture(scope="module")
def built(hash_kb: KnowledgeBase) -> tuple[dict[str, object], set[int]]:
    """(the views, the ids of the blocks a language change updates through the views' own events)."""
    with gr.Blocks() as app:
        lang = gr.Radio([("中文", "zh"), ("English", "en")], value=LANGS[0])
        with gr.Tabs():
            views = {name: build(hash_kb, lang) for name, build in _VIEWS.items()}
    redrawn = {block._id for fn in app.fns.values() if (lang._id, "change") in fn.targets for block in fn.outputs}
    return views, redrawn


@pytest.fixture(scope="module")
def views(built: tuple[dict[str, object], set[int]]) -> dict[str, object]:
    return built[0]


@pytest.mark.parametrize("name", sorted(_VIEWS))
def test_every_chinese_word_of_a_tab_is_relabelled(built: tuple[dict[str, object], set[int]], name: str) -> None:
    """A component built with Chinese words must be relabelled by the app or redrawn by its view on a switch."""
    view = built[0][name]
    changed = {block._id for block in view.labelled} | built[1]  # type: ignore[attr-defined]
    hard_coded = [(type(b).__name__, w) for b in _blocks(view.tab) for w in _words(b)  # type: ignore[attr-defined]
                  if CJK.search(w) and b._id not in changed]  # type: ignore[attr-defined]
    assert not hard_coded, f"{name}: Chinese words the language switch never changes: {hard_coded}"


@pytest.mark.parametrize("name", sorted(_VIEWS))
def test_relabelled_in_english_nothing_is_chinese(views: dict[str, object], name: str) -> None:
    view = views[name]
    updates = view.relabel("en")  # type: ignore[attr-defined]
    assert len(updates) == len(view.labelled)  # type: ignore[attr-defined]
    words = [w for update in updates for w in _words(update)]
    assert words and not [w for w in words if CJK.search(w)]


def test_practice_rewords_its_question_and_tally_on_a_switch(hash_kb: KnowledgeBase) -> None:
    bank = practice.Practice.for_kb(hash_kb)
    question = bank.bank.questions[0]
    session = practice.Session(seed=1, asked=(question.section,), current=question.section,
                               scores=((question.section, 80.0),))
    shown, tally, followups = practice.reword(bank, session, "en")
    assert shown == practice.question_markdown(question, 1, "en") and t("en", "asked").format(n=1) in shown
    assert tally == practice.tally(session, "en") and not CJK.search(tally)
    assert practice.reword(bank, session, "zh")[0].startswith("#### 第 1 题")
    assert followups.label == t("en", "followup")
    assert practice.reword(bank, None, "en")[1] == t("en", "tally_empty")


def test_the_question_box_never_cuts_a_pasted_question(views: dict[str, object]) -> None:
    """The issue's "long questions are silently truncated": no maxlength, the handler says what happens."""
    assert views["chat"].question.max_length is None  # type: ignore[attr-defined]


def _page_app(scope: dict, receive: object, send: object) -> object:
    """A stand-in for Gradio's page: the same HTML head with its module script, on every path."""
    from starlette.responses import HTMLResponse, JSONResponse

    if scope["path"] == "/config":
        return JSONResponse({"head": "<head>"})(scope, receive, send)
    page = '<!doctype html><html>\n\t<head>\n\t\t<script type="module" src="./assets/index.js"></script>\n\t</head></html>'
    return HTMLResponse(page)(scope, receive, send)


def test_the_page_boots_in_the_stored_language_before_gradio_reads_it() -> None:
    """Gradio words each component once, in navigator.language at boot: BOOT_JS comes first in the head."""
    from starlette.testclient import TestClient

    from ui.views.i18n import BOOT_JS, LANG_KEY, SWITCH_JS, BootLocale

    client = TestClient(BootLocale(_page_app))
    page = client.get("/")
    assert page.headers["content-length"] == str(len(page.content))
    assert page.text.index(BOOT_JS) < page.text.index('type="module"') and page.text.count(BOOT_JS) == 1
    assert LANG_KEY in BOOT_JS and "navigator, 'language'" in BOOT_JS and "zh-CN" in BOOT_JS
    assert BOOT_JS not in client.get("/other").text and client.get("/config").json() == {"head": "<head>"}
    assert f"localStorage.setItem('{LANG_KEY}'" in SWITCH_JS and "location.reload()" in SWITCH_JS


def test_the_app_boots_in_the_stored_language(hash_kb: KnowledgeBase) -> None:
    """The switch reloads on the user's input only, not on the radio's change on load (which relabels);
    the stored language is read on load."""
    from ui.app import build_app
    from ui.views.i18n import STORED_JS, SWITCH_JS

    app = build_app(hash_kb)
    js = {fn.js: [t[1] for t in fn.targets] for fn in app.fns.values() if fn.js}
    assert js[SWITCH_JS] == ["input"] and js[STORED_JS] == ["load"]
