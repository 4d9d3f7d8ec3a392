"""The app as a whole: it builds without serving, and its API answers through gradio_client on a loopback port."""
from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr
import httpx
import pytest
from gradio_client import Client

from qa import KnowledgeBase
from qa.api import MAX_QUESTION_CHARS
from ui.app import CONCURRENCY, build_app, chat_option, navigate, serve
from ui.views import chat, demos, explorer, practice
from ui.views.i18n import _TEXT, LANGS, t

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {"/ask", "/focus", "/overview", "/next_question", "/score_answer", "/run_demo"}


def test_public_names_are_pinned() -> None:
    import ui.app
    import ui.views

    assert ui.app.__all__ == ["ASSETS", "CONCURRENCY", "build_app", "serve", "launch", "forget_sessions"]
    assert ui.views.__all__ == ["chat", "demos", "explorer", "practice"]


def test_importing_the_app_starts_nothing() -> None:
    code = "import threading, ui.app; print(sorted(t.name for t in threading.enumerate()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=ROOT).stdout
    assert out.strip() == "['MainThread']"


def test_build_app_returns_blocks_that_are_not_running(hash_kb: KnowledgeBase) -> None:
    app = build_app(hash_kb)
    assert isinstance(app, gr.Blocks) and not app.is_running and getattr(app, "server", None) is None


def test_every_label_exists_in_both_languages() -> None:
    assert all(zh.strip() and en.strip() for zh, en in _TEXT.values())
    assert {t(lang, "tab_chat") for lang in LANGS} == {"问答", "Chat"}


def test_relabel_matches_the_labelled_components(hash_kb: KnowledgeBase) -> None:
    with gr.Blocks():
        lang = gr.Radio(["zh", "en"], value="zh")
        with gr.Tabs():
            views = [chat.build(hash_kb, lang), explorer.build(hash_kb, lang), demos.build(hash_kb, lang),
                     practice.build(hash_kb, lang)]
    for view in views:
        assert len(view.relabel("en")) == len(view.labelled)


def test_navigate_opens_concepts_and_demos(hash_kb: KnowledgeBase) -> None:
    tabs, concept, demo = navigate(hash_kb, "concept:batch_normalization")
    assert tabs.selected == "graph" and concept == "Batch Normalization"
    tabs, _, demo = navigate(hash_kb, "demo:dropout_scaling")
    assert tabs.selected == "demos" and demo == "dropout_scaling"
    assert all(u.get("__type__") == "update" for u in navigate(hash_kb, "concept:no_such_concept"))


def test_chat_option_routes_concepts_out_and_demos_in(hash_kb: KnowledgeBase) -> None:
    history, _ = chat.ask(hash_kb, "BN层的作用是什么?", [], "zh")
    skipped, tabs, concept, _ = chat_option(hash_kb, history, "zh", "concept:batch_normalization")
    assert skipped.get("__type__") == "update" and tabs.selected == "graph" and concept == "Batch Normalization"
    longer, *_ = chat_option(hash_kb, history, "zh", "demo:batchnorm_train_eval")
    assert len(longer) == len(history) + 1


# -- through the API, as a remote client sees it ---------------------------------------------------

@pytest.fixture(scope="module")
def client(served: str) -> Client:
    return Client(served, verbose=False)


def test_named_endpoints(client: Client) -> None:
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ENDPOINTS


@pytest.mark.parametrize("question, lang", [("BN层的作用是什么?", "zh"), ("What does 1x1 convolution do?", "en")])
def test_ask(client: Client, question: str, lang: str) -> None:
    history, box = client.predict(question, [], lang, api_name="/ask")
    assert box == "" and [m["role"] for m in history] == ["user", "assistant", "assistant", "assistant"]
    sources, why = history[-2:]  # the cited passages, then "why these sources" with the options
    assert sources["metadata"]["title"] and "**[1]**" in sources["content"][0]["text"]
    assert why["metadata"]["title"] and any(o["value"].startswith("concept:") for o in why["options"])


def test_ask_too_long_is_a_friendly_error(client: Client) -> None:
    with pytest.raises(Exception, match="keep it under"):
        client.predict("x" * (MAX_QUESTION_CHARS + 5), [], "en", api_name="/ask")


def test_focus_and_overview(client: Client) -> None:
    drawing, panel = client.predict("BN层", ["solves", "has_role"], 2, "en", api_name="/focus")
    assert 'data-pick="concept:batch_normalization"' in drawing and "Relations and evidence" in panel
    drawing, panel = client.predict(["architecture"], "en", api_name="/overview")
    assert "kg-overview" in drawing and "kg-hubs" in panel


def test_demo_endpoint(client: Client) -> None:
    result = client.predict("conv_output_size", {"stride": 2}, "en", api_name="/run_demo")
    assert result["metrics"]["formula"] == 16
    with pytest.raises(Exception, match="out of range"):
        client.predict("conv_output_size", {"stride": 99}, "en", api_name="/run_demo")


def test_practice_state_lives_in_the_client_session(served: str) -> None:
    one, two = Client(served, verbose=False), Client(served, verbose=False)
    question, *_ = one.predict("random", "en", api_name="/next_question")
    assert question.startswith("#### Question 1")
    result, tally, *_ = one.predict("It normalises the batch.", "en", api_name="/score_answer")
    assert "Formula" in result and "1 answered" in tally
    with pytest.raises(Exception, match="Next question"):
        two.predict("An answer without a question", "en", api_name="/score_answer")


@pytest.mark.parametrize("path", ["pyproject.toml", "ui/app.py", "kb"])
def test_no_files_outside_the_bundle_are_served(served: str, hash_kb: KnowledgeBase, path: str) -> None:
    target = hash_kb.path / "kb.sqlite" if path == "kb" else ROOT / path
    response = httpx.get(f"{served}gradio_api/file={target}", timeout=10)
    assert response.status_code in (403, 404) and "kgqa" not in response.text


def test_auth_protects_everything(hash_kb: KnowledgeBase) -> None:
    app = serve(hash_kb, port=free_port(), auth=("student", "secret"), quiet=True)
    try:
        assert httpx.get(f"{app.local_url}config", timeout=10).status_code == 401
        history, _ = Client(app.local_url, auth=("student", "secret"), verbose=False).predict(
            "BN层的作用是什么?", [], "zh", api_name="/ask")
        assert history[0]["role"] == "user"
    finally:
        app.close()


def test_concurrent_clients_get_their_own_answers(served: str) -> None:
    questions = ["BN层的作用是什么?", "What does 1x1 convolution do?", "池化层的作用?", "Dropout为什么能防止过拟合?"] * 2

    def ask(question: str) -> str:
        history, _ = Client(served, verbose=False).predict(question, [], "zh", api_name="/ask")
        return history[0]["content"][0]["text"]

    with ThreadPoolExecutor(max_workers=2 * CONCURRENCY) as pool:
        asked = list(pool.map(ask, questions))
    assert [a.replace("\\", "") for a in asked] == questions


# -- limits for a shared server: uploads and logins ---------------------------------------------------

def _upload(url: str, name: str, data: bytes, **kwargs: object) -> httpx.Response:
    return httpx.post(f"{url}gradio_api/upload", files=[("files", (name, data, "text/plain"))], timeout=30, **kwargs)


def _cached(name: str) -> list[Path]:
    from gradio.utils import get_upload_folder

    return list(Path(get_upload_folder()).rglob(name))


@pytest.mark.parametrize("allow_ingest", [False, True])
def test_uploads_take_only_notes_within_the_size_limit(hash_kb: KnowledgeBase, allow_ingest: bool) -> None:
    from ui.views.notes import MAX_FILE_SIZE

    app = serve(hash_kb, port=free_port(), quiet=True, allow_ingest=allow_ingest)
    try:
        tag = f"kgqa-upload-{free_port()}"
        small = _upload(app.local_url, f"{tag}.md", "## BN层\n加快收敛。\n".encode())
        huge = _upload(app.local_url, f"{tag}-big.md", b"x" * (MAX_FILE_SIZE + 1))
        binary = _upload(app.local_url, f"{tag}.exe", b"MZ\x90\x00")
        if not allow_ingest:  # the server takes no file at all: nothing to park and download back
            assert (small.status_code, huge.status_code, binary.status_code) == (403, 403, 403)
            assert not _cached(f"{tag}*")
            return
        assert small.status_code == 200 and huge.status_code == 413 and binary.status_code == 415
        assert "only notes" in binary.text
        assert not _cached(f"{tag}.exe") and not _cached(f"{tag}-big.md")
    finally:
        app.close()


def test_an_upload_request_is_capped_as_a_whole(hash_kb: KnowledgeBase) -> None:
    from ui.guard import MAX_REQUEST_BYTES

    app = serve(hash_kb, port=free_port(), quiet=True, allow_ingest=True)
    try:
        files = [("files", (f"n{i}.md", b"x" * 1_900_000, "text/plain")) for i in range(MAX_REQUEST_BYTES // 1_900_000 + 1)]
        assert httpx.post(f"{app.local_url}gradio_api/upload", files=files, timeout=60).status_code == 413
    finally:
        app.close()


def test_failed_logins_are_rate_limited_per_client(hash_kb: KnowledgeBase) -> None:
    """Five wrong passwords are free; then each try waits twice as long, even with the right password."""
    from ui.guard import LoginLimiter

    app = serve(hash_kb, port=free_port(), auth=[("student", "secret")], quiet=True,
                login_limiter=LoginLimiter(base=0.5))
    url = f"{app.local_url}login"

    def login(password: str) -> int:
        return httpx.post(url, data={"username": "student", "password": password}, timeout=10).status_code

    try:
        assert [login("guess") for _ in range(6)] == [400] * 6
        started = time.monotonic()
        assert login("secret") == 429  # locked out, right password or not
        response = httpx.post(url, data={"username": "student", "password": "guess"}, timeout=10)
        assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
        time.sleep(max(0.0, 0.6 - (time.monotonic() - started)))
        assert login("guess") == 400  # the 7th failure: now a 1 s wait
        assert login("secret") == 429
        time.sleep(1.1)
        assert login("secret") == 200
        assert login("guess") == 400  # a success forgets the failures
    finally:
        app.close()


def test_login_limiter_doubles_caps_and_forgets() -> None:
    from ui.guard import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(free=5, base=1.0, cap=8.0, clock=lambda: now[0], max_clients=3)
    assert [limiter.failed("a") for _ in range(10)] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 8]
    assert limiter.wait("a") == 8 and limiter.wait("b") == 0
    now[0] = 8.0
    assert limiter.wait("a") == 0
    for client in "bcd":  # a fourth client pushes out the least recent one
        limiter.failed(client)
    assert len(limiter._clients) == 3 and "a" not in limiter._clients


def test_logins_come_from_a_file_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from kg.errors import InputError
    from ui.cli import _logins

    users = tmp_path / "users"
    users.write_text("# who may log in\nada:pa:ss\nbob:x\n", encoding="utf-8")
    monkeypatch.delenv("KGQA_AUTH", raising=False)

    def args(auth_file: str | None = None, auth: str | None = None) -> argparse.Namespace:
        return argparse.Namespace(auth_file=auth_file, auth=auth)

    assert _logins(args(str(users))) == [("ada", "pa:ss"), ("bob", "x")]
    assert _logins(args()) is None
    monkeypatch.setenv("KGQA_AUTH", "carol:pw")
    assert _logins(args()) == [("carol", "pw")]
    assert capsys.readouterr().err == ""
    assert _logins(args(auth="dan:pw")) == [("dan", "pw")]
    assert "process list" in capsys.readouterr().err
    with pytest.raises(InputError, match="not both"):
        _logins(args(str(users), "dan:pw"))
    users.write_text("ada\n", encoding="utf-8")
    with pytest.raises(InputError, match="users:1"):
        _logins(args(str(users)))


def test_the_app_starts_behind_a_proxy_that_cannot_reach_it(hash_kb: KnowledgeBase,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A user with HTTP(S)_PROXY set (and no NO_PROXY) got "Connection refused" from `make run`:
    Gradio fetches its own URL at start-up, through the proxy."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing listens
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    app = serve(hash_kb, port=free_port(), quiet=True)
    try:
        assert httpx.get(app.local_url, timeout=30).status_code == 200
    finally:
        app.close()


def test_ended_sessions_are_forgotten(hash_kb: KnowledgeBase) -> None:
    """Gradio keeps a copy of every component's config per session until 10,000 exist; the server
    drops closed and idle ones, so memory follows the users present, not all users ever."""
    from ui.app import forget_sessions

    app = serve(hash_kb, port=free_port(), quiet=True)
    try:
        clients = [Client(app.local_url, verbose=False) for _ in range(3)]
        for client in clients:
            client.predict("BN层的作用是什么?", [], "zh", api_name="/ask")
        holder = app.state_holder
        sessions = {c.session_hash for c in clients}
        assert sessions <= set(holder.session_data)
        closed = {}
        first, *rest = sorted(sessions)
        holder.session_data[first].is_closed = True  # what the heartbeat does when a tab closes
        assert forget_sessions(app, closed, grace=60) == 0 and first in closed  # within the grace period
        assert forget_sessions(app, closed, grace=0) == 1 and first not in holder.session_data
        assert set(rest) <= set(holder.session_data)  # open sessions stay
        assert forget_sessions(app, closed, idle=3600) == 0
        assert forget_sessions(app, closed, idle=0) >= 2 and not sessions & set(holder.session_data)
        history, _ = clients[1].predict("What does 1x1 convolution do?", [], "en", api_name="/ask")
        assert history[0]["role"] == "user"  # a forgotten session just starts afresh
        for client in clients:
            client.close()
    finally:
        app.close()
