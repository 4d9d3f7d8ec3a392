"""The app's words in Chinese and English: UI labels, kind and relation names.

Every label the app shows goes through :func:`t`, so the language switch can relabel the
whole page and a missing translation fails in tests rather than showing a raw key.

>>> t("en", "tab_chat"), t("zh", "tab_chat")
('Chat', '问答')
>>> kind_name("zh", "technique")
'技术'
"""
from __future__ import annotations

from typing import Any, Literal

from qa.compose import RELATION_LABELS

__all__ = ["Lang", "LANGS", "LANG_KEY", "BOOT_JS", "SWITCH_JS", "STORED_JS", "BootLocale", "t", "lang_of", "kind_name",
           "intent_name", "relation_name"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# Gradio's own words (upload hints, the chatbot's icon labels, "Use via API") follow svelte-i18n's
# locale, which Gradio 6 takes from navigator.language once, at boot, and hands to each component
# when it is mounted: changing it later reaches only some of them. So the page boots in the chosen
# language: the switch stores it in this browser (LANG_KEY) and reloads (SWITCH_JS); BOOT_JS, put
# first in the page's <head> by :class:`BootLocale`, makes navigator.language say it before Gradio
# reads it; and on load STORED_JS hands it to the language radio, which relabels our own words.
# The chat survives the reload (gr.BrowserState); the open tab and the values the app names (the
# demo picked and the values set in its form) are carried over it in sessionStorage. A browser
# that refuses sessionStorage still loads the page, in the default language.
LANG_KEY = "kgqa-lang"
_TAB_KEY = "kgqa-tab"
_KEPT_KEY = "kgqa-kept"
BOOT_JS = f"""(() => {{ try {{
  const locale = localStorage.getItem('{LANG_KEY}') === 'en' ? 'en' : 'zh-CN';
  Object.defineProperty(navigator, 'language', {{configurable: true, get: () => locale}});
  Object.defineProperty(navigator, 'languages', {{configurable: true, get: () => [locale]}});
  document.documentElement.setAttribute('data-kg-lang', locale === 'en' ? 'en' : 'zh');
}} catch (error) {{ console.warn('kgqa: could not set the Gradio locale', error); }} }})();"""
# For (language, *kept): stores the language, the open tab and the kept values, then reloads.
SWITCH_JS = f"""(lang, ...kept) => {{
  localStorage.setItem('{LANG_KEY}', lang === 'en' ? 'en' : 'zh');
  const tabs = [...document.querySelectorAll('#kg-tabs [role=tab]')];
  sessionStorage.setItem('{_TAB_KEY}', String(Math.max(0, tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true'))));
  sessionStorage.setItem('{_KEPT_KEY}', JSON.stringify(kept));
  location.reload();
  return [lang, ...kept]; }}"""
# On load, for (kept chat, shown chat, language, switched, *kept): the kept and the shown chat, the stored
# language, whether the page was reloaded by a switch and the values kept by it; then it clicks the tab
# that was open.
STORED_JS = f"""(saved, shown, lang, switched, ...values) => {{
  try {{
    const tab = sessionStorage.getItem('{_TAB_KEY}');
    let kept = null;
    try {{ kept = JSON.parse(sessionStorage.getItem('{_KEPT_KEY}') || 'null'); }} catch (error) {{ kept = null; }}
    sessionStorage.removeItem('{_TAB_KEY}');
    sessionStorage.removeItem('{_KEPT_KEY}');
    if (Number(tab) > 0) setTimeout(() => document.querySelectorAll('#kg-tabs [role=tab]')[Number(tab)]?.click(), 0);
    const carried = Array.isArray(kept) && kept.length === values.length ? kept : values;
    return [saved, shown, localStorage.getItem('{LANG_KEY}') === 'en' ? 'en' : 'zh', tab !== null, ...carried];
  }} catch (error) {{  // storage refused (a privacy mode): the page still loads, in the default language
    console.warn('kgqa: could not read what the last switch kept', error);
    return [saved, shown, lang, false, ...values];
  }} }}"""
_BOOT_TAG = f"<head><script>{BOOT_JS}</script>".encode()


class BootLocale:
    """ASGI middleware: puts :data:`BOOT_JS` first in the head of the app's page (``GET /``), before
    Gradio's own scripts. Everything else passes through untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != "/":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def collect(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = b"".join(body)
            html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in start.get("headers", []))
            if html and b"<head>" in page:
                page = page.replace(b"<head>", _BOOT_TAG, 1)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, collect)


# key -> (Chinese, English)
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("深度学习面试助手", "Deep-learning interview companion"),
    "subtitle": ("离线 · 有出处的回答 · 概念图谱 · 可运行的演示 · 模拟面试",
                 "Offline · cited answers · concept graph · runnable demos · mock interview"),
    "language": ("界面语言", "Language"),
    "counts": ("{notes} 篇笔记 · {concepts} 个概念 · {relations} 条关系",
               "{notes} notes · {concepts} concepts · {relations} relations"),
    "error": ("出错了", "Something went wrong"),
    # chat
    "tab_chat": ("问答", "Chat"),
    "question": ("你的问题", "Your question"),
    "question_hint": ("用中文或英文提问, 例如: BN层的作用是什么?", "Ask in Chinese or English, e.g. What does 1x1 convolution do?"),
    "send": ("提问", "Ask"),
    "chat_placeholder": ("**从笔记中找答案**, 每个回答都带出处。点击下面的示例开始, 或者直接提问。",
                         "**Answers from the notes**, every one with its sources. "
                         "Start with an example below or ask your own."),
    "too_long": ("问题有 {n} 个字, 太长了: 请精简到 {max} 字以内。",
                 "The question is {n} characters long: please keep it under {max}."),
    "empty": ("请输入一个问题, 例如: BN层的作用是什么?", "Type a question first, e.g. What does 1x1 convolution do?"),
    "no_words": ("问题里没有可查的文字 (标记、表情和符号不算), 例如: BN层的作用是什么?",
                 "The question has no words to look up (markup, emoji and symbols aside), e.g. What does 1x1 convolution do?"),
    "sources": ("出处 · {n} 段笔记原文", "Sources · {n} passages quoted verbatim"),
    "too_long_first": ("问题有 {n} 个字, 超过了 {max} 字的上限: 下面只回答其中的第一个问题。",
                       "The text is {n} characters long, over the {max} limit: only its first question is answered below."),
    "refused_badge": ("笔记未覆盖", "Not in the notes"),
    "possible_badge": ("可能相关", "Possible match"),
    "why_title": ("为什么是这些出处", "Why these sources"),
    "why_intent": ("问题类型", "Intent"),
    "why_probability": ("可回答概率", "P(answerable)"),
    "why_state": ("判定", "Verdict"),
    "why_concepts": ("识别出的概念", "Linked concepts"),
    "why_source": ("出处", "Source"),
    "why_score": ("得分", "Score"),
    "why_ranks": ("各信号中的排名", "Rank by signal"),
    "why_top": ("排序模型中贡献最大的特征", "Ranker's top contributions"),
    "state_answered": ("回答", "answered"),
    "state_low": ("可能相关", "possible match"),
    "state_refused": ("拒答", "refused"),
    "clear": ("清空对话", "Clear chat"),
    "export": ("导出对话 (Markdown)", "Export chat (Markdown)"),
    "better": ("应排第一的出处 (可选, 点踩前选择)", "Passage that should come first (optional: pick it, then vote down)"),
    "better_hint": ("点赞或点踩会记录到知识库目录的 feedback.jsonl", "Votes up and down are saved to feedback.jsonl in the knowledge-base directory"),
    "feedback_saved": ("已记录你的反馈, 谢谢!", "Feedback saved, thank you!"),
    "feedback_title": ("反馈", "Feedback"),
    "refused_hint": ("点击下方的主题继续提问。", "Click a topic below to ask about it instead."),
    "demo_run": ("演示结果", "Demo result"),
    "pick_concept": ("概念", "Concept"),
    "pick_ask": ("追问", "Ask"),
    "pick_demo": ("演示", "Demo"),
    # notes
    "tab_notes": ("笔记", "Notes"),
    "notes_upload": ("上传笔记 (Markdown、纯文本或 HTML; UTF-8 或 GBK)", "Upload notes (Markdown, text or HTML; UTF-8 or GBK)"),
    "notes_add": ("加入知识库", "Add to the knowledge base"),
    "notes_remove": ("删除所选笔记", "Remove the selected note"),
    "notes_pick": ("选择要删除的笔记", "Note to remove"),
    "notes_locked": ("只读模式: 启动时加上 --allow-ingest (或 --auth) 才能上传或删除笔记。",
                     "Read-only: start the app with --allow-ingest (or --auth) to upload or remove notes."),
    "notes_intro": ("知识库里的笔记。上传或删除后会重新建立索引; 期间提问照常可用。",
                    "The notes in the knowledge base. Uploading or removing re-indexes; questions keep working meanwhile."),
    "notes_doc": ("笔记", "Note"),
    "notes_sections": ("段落", "Sections"),
    "notes_concepts": ("概念", "Concepts"),
    "notes_relations": ("关系", "Relations"),
    "notes_indexing": ("正在重新建立索引 ……", "Re-indexing ..."),
    "notes_added": ("已加入 {names}: 现在共 {n} 篇笔记。", "Added {names}: {n} notes now."),
    "notes_removed": ("已删除 {name}: 还剩 {n} 篇笔记。", "Removed {name}: {n} notes left."),
    "notes_none": ("请先选择文件。", "Choose a file first."),
    "notes_no_pick": ("请先选择要删除的笔记。", "Pick a note to remove first."),
    # explorer
    "tab_graph": ("知识图谱", "Graph"),
    "concept": ("概念 (任意别名)", "Concept (any alias)"),
    "concept_hint": ("输入 BN层、1x1卷积、ResNet ……", "Type BN, 1x1 conv, ResNet ..."),
    "relations": ("关系类型", "Relation types"),
    "depth": ("跳数", "Depth"),
    "overview": ("全图概览", "Whole-graph overview"),
    "kinds": ("概念类型", "Concept kinds"),
    "graph_help": ("拖动节点 · 滚轮缩放 · 点击节点重新居中 · 点击连线看证据",
                   "Drag nodes · wheel to zoom · click a node to re-centre · click an edge for its evidence"),
    "graph_empty": ("选择一个概念, 或打开全图概览。", "Pick a concept, or open the whole-graph overview."),
    "no_edges": ("在所选关系类型下, 这个概念没有连边。", "This concept has no edges of the selected relation types."),
    "overview_caption": ("{communities} 个社区, 共 {nodes} 个概念、{edges} 条关系 ({isolated} 个孤立概念列在右侧)。"
                         "点击一个社区展开它。",
                         "{communities} communities of {nodes} concepts and {edges} relations ({isolated} isolated "
                         "concepts listed on the right). Click a community to open it."),
    "community_caption": ("社区「{name}」: {nodes} 个概念, {edges} 条关系。点击节点进入它的邻域。",
                          "Community «{name}»: {nodes} concepts, {edges} relations. Click a node to open it."),
    "communities": ("社区 (点击展开)", "Communities (click to open)"),
    "isolated": ("孤立概念 ({n}): 在所选类型和关系下没有连边", "Isolated concepts ({n}): no edge of the chosen kinds and relations"),
    "edge_hint": ("点击一条连线, 查看它的证据句、出处和抽取规则。",
                  "Click an edge to see its evidence sentences, citation and the rule that produced it."),
    "rule": ("抽取规则", "Rule"),
    "unknown_rule": ("未记录", "not recorded"),
    "confidence": ("置信度", "confidence"),
    "fit": ("适应窗口", "Fit to view"),
    "export_png": ("导出当前视图为 PNG", "Export this view as PNG"),
    "export_graph": ("下载图数据 (GraphML)", "Download graph (GraphML)"),
    "list_view": ("列表视图 ({n} 个节点)", "List view ({n} nodes)"),
    "search_hint": ("回车打开最匹配的概念", "Enter opens the best match"),
    "no_concept": ("没有叫「{name}」的概念。", "No concept called «{name}»."),
    "no_concept_near": ("没有叫「{name}」的概念。你是不是要找: {names}?", "No concept called «{name}». Did you mean: {names}?"),
    "no_match": ("没有匹配的概念", "No matching concept"),
    "aliases": ("别名", "Aliases"),
    "relations_of": ("关系与证据", "Relations and evidence"),
    "sections": ("出现在这些笔记段落", "Sections that discuss it"),
    "demos_of": ("相关演示", "Demos"),
    "none": ("无", "none"),
    "more": ("另有 {n} 条", "{n} more"),
    "proposed": ("自动发现", "proposed"),
    # demos
    "tab_demos": ("演示", "Demos"),
    "demo": ("选择演示", "Pick a demonstration"),
    "run": ("运行", "Run"),
    "claim": ("它要检验的", "What it tests"),
    "preview": ("你将看到", "What you will see"),
    "verdicts": ("本次运行的结论", "What this run shows"),
    "figure": ("图", "Figure"),
    "metric": ("指标", "metric"),
    "value": ("值", "value"),
    # practice
    "tab_practice": ("模拟面试", "Practice"),
    "topic": ("题目范围", "Topic"),
    "random": ("随机", "Random"),
    "kind_topic": ("类型: {kind}", "Kind: {kind}"),
    "concept_topic": ("概念: {name} ({n})", "Concept: {name} ({n})"),
    "next": ("出一道题", "Next question"),
    "answer": ("你的回答", "Your answer"),
    "answer_hint": ("用自己的话回答, 中英文都可以。", "Answer in your own words, in Chinese or English."),
    "submit": ("提交评分", "Score my answer"),
    "practice_intro": ("选一个范围, 点击「出一道题」。题目来自笔记自己的问题标题。",
                       "Pick a topic and press «Next question». Questions are the notes' own question headings."),
    "no_question": ("先点击「出一道题」。", "Press «Next question» first."),
    "empty_answer": ("请先写下你的回答。", "Write an answer first."),
    "pool_empty": ("这个范围里没有题目了, 换一个范围吧。", "No questions left for this topic: pick another one."),
    "asked": ("第 {n} 题", "Question {n}"),
    "formula": ("评分公式", "Formula"),
    "key_concepts": ("关键概念", "Key concepts"),
    "key_terms": ("关键词", "Key terms"),
    "similarity": ("语义相似度", "Semantic similarity"),
    "hit": ("答到", "covered"),
    "missed": ("遗漏", "missed"),
    "reference": ("参考答案 (笔记原文, 绿色=答到, 红色=遗漏)", "Reference (the notes verbatim; green = covered, red = missed)"),
    "followup": ("追问", "Follow-up"),
    "tally": ("本次练习: {n} 题, 平均 {avg:.0f} 分, 最高 {best:.0f} 分",
              "This session: {n} answered, average {avg:.0f}, best {best:.0f}"),
    "tally_empty": ("本次练习还没有作答。", "No answers scored in this session yet."),
}

_KINDS: dict[str, tuple[str, str]] = {
    "architecture": ("网络结构", "architecture"),
    "layer": ("层", "layer"),
    "technique": ("技术", "technique"),
    "problem": ("问题", "problem"),
    "role": ("功能", "role"),  # not 作用: that is the has_role relation's label
    "concept": ("概念", "concept"),
}

_INTENTS: dict[str, tuple[str, str]] = {
    "definition": ("定义", "definition"), "why": ("原因", "why"), "role": ("作用", "role"),
    "difference": ("区别", "difference"), "pros_cons": ("优缺点", "pros and cons"), "pros": ("优点", "advantages"),
    "cons": ("缺点", "drawbacks"), "compute": ("计算", "computation"), "train_test": ("训练与测试", "training vs testing"),
    "list": ("列举", "list"), "how": ("方法", "how"), "general": ("一般", "general"),
}

_RELATIONS: dict[str, tuple[str, str]] = {
    relation: (RELATION_LABELS["zh"][relation], RELATION_LABELS["en"][relation]) for relation in RELATION_LABELS["zh"]
}


def lang_of(value: object) -> Lang:
    """The UI language named by ``value``; anything unexpected means Chinese, the default."""
    return "en" if value == "en" else "zh"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def t(lang: str, key: str) -> str:
    """The label ``key`` in ``lang`` (KeyError for an unknown key: a bug, not user input)."""
    return _pick(_TEXT[key], lang)


def kind_name(lang: str, kind: str) -> str:
    """A concept kind in ``lang``; an unknown kind is shown as is."""
    return _pick(_KINDS[kind], lang) if kind in _KINDS else kind


def intent_name(lang: str, intent: str) -> str:
    """A question intent in ``lang``; an unknown intent is shown as is."""
    return _pick(_INTENTS[intent], lang) if intent in _INTENTS else intent


def relation_name(lang: str, relation: str) -> str:
    """A relation type in ``lang``; an unknown type is shown as is."""
    return _pick(_RELATIONS[relation], lang) if relation in _RELATIONS else relation
