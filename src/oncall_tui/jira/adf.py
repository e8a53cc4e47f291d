"""Atlassian Document Format (ADF) to readable plain text, and plain text to ADF.

The renderer is deliberately forgiving: ADF from Jira is untrusted input that may be truncated, contain node
types added after this was written, or be plain garbage. It never raises; unknown nodes show their text,
and nesting deeper than `MAX_DEPTH` is cut off with an ellipsis.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from oncall_tui.domain.text import sanitize

__all__ = ["MAX_DEPTH", "adf_to_text", "text_to_adf"]

MAX_DEPTH = 48
# Bounds the work on a hostile document whose width, not depth, is the problem.
_MAX_NODES = 50_000
_MAX_LIST_START = 1_000_000

_MILLIS = re.compile(r"-?[0-9]{1,15}")
_INLINE_TYPES = frozenset(
    {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status", "placeholder", "mediaInline"}
)
_PANEL_LABELS = {
    "info": "Info",
    "note": "Note",
    "warning": "Warning",
    "error": "Error",
    "success": "Success",
    "tip": "Tip",
}
_CONTAINER_TYPES = frozenset(
    {
        "doc",
        "layoutSection",
        "layoutColumn",
        "bodiedExtension",
        "extensionFrame",
        "multiBodiedExtension",
        "syncBlock",
        "bodiedSyncBlock",
    }
)


def adf_to_text(doc: Any) -> str:
    """Render an ADF document (or a v2 plain-text body) as sanitised plain text; never raises."""
    if isinstance(doc, str):
        return _tidy(sanitize(doc))
    if not isinstance(doc, dict | list):
        return ""
    renderer = _Renderer()
    lines = renderer.blocks(doc if isinstance(doc, list) else [doc], 0, tight=False)
    return _tidy(sanitize("\n".join(lines)))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _type(node: dict[str, Any]) -> str:
    kind = node.get("type")
    return kind if isinstance(kind, str) else ""


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _attr_str(node: dict[str, Any], name: str) -> str:
    value = _attrs(node).get(name)
    return value if isinstance(value, str) else ""


def _small_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**15:
        return None
    return value


class _Renderer:
    """One rendering pass; counts nodes so that a huge document costs bounded time."""

    def __init__(self) -> None:
        self.budget = _MAX_NODES

    def _spend(self) -> bool:
        self.budget -= 1
        return self.budget >= 0

    # Block level: each renderer returns a list of lines.

    def blocks(self, content: Any, depth: int, *, tight: bool) -> list[str]:
        if not isinstance(content, list):
            return []
        if depth > MAX_DEPTH:
            return ["…"]
        rendered: list[list[str]] = []
        pending_inline: list[Any] = []

        def flush() -> None:
            if pending_inline:
                text = self.inline(pending_inline, depth)
                if text.strip():
                    rendered.append(text.split("\n"))
                pending_inline.clear()

        for node in content:
            # Inline nodes where blocks belong are grouped into an implicit paragraph.
            if isinstance(node, str) or (isinstance(node, dict) and _type(node) in _INLINE_TYPES):
                pending_inline.append(node)
                continue
            flush()
            if isinstance(node, dict):
                lines = self.block(node, depth + 1)
                if lines:
                    rendered.append(lines)
        flush()
        out: list[str] = []
        for lines in rendered:
            if out and not tight:
                out.append("")
            out.extend(lines)
        return out

    def block(self, node: dict[str, Any], depth: int) -> list[str]:
        if depth > MAX_DEPTH:
            return ["…"]
        if not self._spend():
            return []
        kind = _type(node)
        content = node.get("content")
        match kind:
            case "paragraph":
                text = self.inline(content, depth)
                return text.split("\n") if text.strip() else []
            case "heading":
                level = _small_int(_attrs(node).get("level"))
                level = level if level is not None and 1 <= level <= 6 else 1
                text = self.inline(content, depth)
                if not text.strip():
                    return []
                lines = text.split("\n")
                return ["#" * level + " " + lines[0], *lines[1:]]
            case "bulletList":
                return self._list(content, depth, lambda _i: "- ")
            case "orderedList":
                start = _small_int(_attrs(node).get("order"))
                start = start if start is not None and 0 <= start <= _MAX_LIST_START else 1
                return self._list(content, depth, lambda i: f"{start + i}. ")
            case "taskList":
                return self._list(content, depth, self._task_marker(content))
            case "decisionList":
                return self._list(content, depth, lambda _i: "» ")
            case "listItem" | "taskItem" | "decisionItem":
                return self._item(node, "- ", depth)
            case "codeBlock":
                body = self._plain(content, depth)
                language = _attr_str(node, "language").strip()
                fence = "```" + ("".join(language.split()) if language else "")
                return [fence, *body.split("\n"), "```"]
            case "blockquote":
                inner = self.blocks(content, depth, tight=False)
                return ["> " + line if line else ">" for line in inner]
            case "panel":
                label = _PANEL_LABELS.get(_attr_str(node, "panelType"), "Note")
                inner = self.blocks(content, depth, tight=False)
                if not inner:
                    return []
                return [f"{label}: {inner[0]}", *inner[1:]]
            case "rule":
                return ["----"]
            case "table":
                return self._table(content, depth)
            case "mediaSingle" | "mediaGroup":
                return self.blocks(content, depth, tight=True)
            case "media":
                return [self._media(node)]
            case "caption":
                text = self.inline(content, depth)
                return text.split("\n") if text.strip() else []
            case "blockCard" | "embedCard":
                url = _attr_str(node, "url") or self._card_url(node)
                return [url] if url else ["[link]"]
            case "expand" | "nestedExpand":
                title = _attr_str(node, "title").strip()
                inner = self.blocks(content, depth, tight=False)
                return ([title] if title else []) + inner
            case "extension":
                text = _attr_str(node, "text")
                return [text] if text.strip() else []
            case _ if kind in _CONTAINER_TYPES or isinstance(content, list):
                return self.blocks(content, depth, tight=False)
            case _:
                text = node.get("text")
                return text.split("\n") if isinstance(text, str) and text.strip() else []

    def _task_marker(self, content: Any) -> Any:
        items = content if isinstance(content, list) else []

        def marker(i: int) -> str:
            item = items[i] if i < len(items) else None
            done = isinstance(item, dict) and _attr_str(item, "state").upper() == "DONE"
            return "[x] " if done else "[ ] "

        return marker

    def _list(self, content: Any, depth: int, marker: Any) -> list[str]:
        if not isinstance(content, list):
            return []
        out: list[str] = []
        for i, item in enumerate(content):
            if isinstance(item, dict | str):
                out.extend(self._item(item, marker(i), depth + 1))
        return out

    def _item(self, item: dict[str, Any] | str, marker: str, depth: int) -> list[str]:
        if depth > MAX_DEPTH:
            return ["…"]
        if isinstance(item, str):
            lines = item.split("\n") if item.strip() else []
        elif _type(item) in {"listItem", "taskItem", "decisionItem"}:
            lines = self.blocks(item.get("content"), depth, tight=True)
        else:
            lines = self.block(item, depth)
        if not lines:
            return [marker.rstrip()]
        pad = " " * len(marker)
        return [marker + lines[0], *(pad + line if line else "" for line in lines[1:])]

    def _table(self, content: Any, depth: int) -> list[str]:
        if not isinstance(content, list):
            return []
        rows: list[str] = []
        for row in content:
            if not isinstance(row, dict):
                continue
            cells = row.get("content")
            if not isinstance(cells, list):
                continue
            texts: list[str] = []
            for cell in cells:
                if isinstance(cell, dict):
                    lines = self.blocks(cell.get("content"), depth + 1, tight=True)
                    texts.append(" ".join(line.strip() for line in lines if line.strip()))
            if any(texts):
                rows.append(" | ".join(texts))
        return rows

    @staticmethod
    def _media(node: dict[str, Any]) -> str:
        name = _attr_str(node, "alt").strip() or _attr_str(node, "filename").strip()
        return f"[attachment: {name}]" if name else "[attachment]"

    @staticmethod
    def _card_url(node: dict[str, Any]) -> str:
        data = _attrs(node).get("data")
        if isinstance(data, dict):
            for key in ("url", "name"):
                value = data.get(key)
                if isinstance(value, str) and value:
                    return value
        return ""

    # Inline level: each renderer returns a string; "\n" stands for a hard break.

    def inline(self, content: Any, depth: int) -> str:
        if not isinstance(content, list):
            return ""
        if depth > MAX_DEPTH:
            return "…"
        return "".join(self._inline_node(node, depth + 1) for node in content)

    def _inline_node(self, node: Any, depth: int) -> str:
        if isinstance(node, str):
            return sanitize(node)
        if not isinstance(node, dict) or not self._spend():
            return ""
        match _type(node):
            case "text":
                return self._text(node)
            case "hardBreak":
                return "\n"
            case "mention":
                name = _attr_str(node, "text").strip()
                if not name:
                    return "@user"
                return name if name.startswith("@") else "@" + name
            case "emoji":
                return _attr_str(node, "text") or _attr_str(node, "shortName")
            case "inlineCard":
                return _attr_str(node, "url") or self._card_url(node) or "[link]"
            case "date":
                return self._date(_attrs(node).get("timestamp"))
            case "status":
                text = _attr_str(node, "text").strip()
                return f"[{text}]" if text else ""
            case "placeholder":
                return ""
            case "mediaInline" | "media":
                return self._media(node)
            case _:
                # A block or unknown node where text was expected: keep its words on one line.
                text = node.get("text")
                if isinstance(text, str):
                    return text
                lines = self.blocks(node.get("content"), depth, tight=True)
                return " ".join(line.strip() for line in lines if line.strip())

    @staticmethod
    def _text(node: dict[str, Any]) -> str:
        text = node.get("text")
        if not isinstance(text, str):
            return ""
        # Early, so that a stray carriage return cannot break the indentation of list items.
        text = sanitize(text)
        marks = node.get("marks")
        if isinstance(marks, list):
            for mark in marks:
                if isinstance(mark, dict) and _type(mark) == "link":
                    href = _attr_str(mark, "href").strip()
                    if href and href != text.strip():
                        return f"{text} ({href})"
        return text

    @staticmethod
    def _date(timestamp: Any) -> str:
        millis: int | None
        if isinstance(timestamp, str) and _MILLIS.fullmatch(timestamp.strip()):
            millis = int(timestamp.strip())
        else:
            millis = _small_int(timestamp)
        if millis is None:
            return timestamp if isinstance(timestamp, str) else ""
        try:
            return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)).date().isoformat()
        except (OverflowError, ValueError):
            return str(millis)

    def _plain(self, content: Any, depth: int) -> str:
        """Text of a code block: marks and decorations do not apply."""
        if not isinstance(content, list) or depth > MAX_DEPTH:
            return ""
        parts: list[str] = []
        for node in content:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node, dict):
                if _type(node) == "hardBreak":
                    parts.append("\n")
                elif isinstance(node.get("text"), str):
                    parts.append(node["text"])
        return "".join(parts)


_URL = re.compile(r"https?://[^\s<>\"'`]+")
_URL_TRAILING = ".,;:!?'\""
_OPENERS = {")": "(", "]": "[", "}": "{"}


def text_to_adf(text: str) -> dict[str, Any]:
    """Build an ADF document from plain text for a Jira Cloud comment.

    Blank lines separate paragraphs, single newlines become hard breaks and http(s) URLs become links.
    Raises ValueError for text with nothing to say, which Jira would reject anyway.
    """
    if not isinstance(text, str):
        raise ValueError("comment text must be a string")
    lines = sanitize(text).split("\n")
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    if not paragraphs:
        raise ValueError("comment is empty")
    content = []
    for paragraph in paragraphs:
        inline: list[dict[str, Any]] = []
        for i, line in enumerate(paragraph):
            if i:
                inline.append({"type": "hardBreak"})
            inline.extend(_linkify(line))
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def _linkify(line: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAILING)
        # A closing bracket belongs to the URL only if the URL opened one (Wikipedia-style links).
        while url and url[-1] in _OPENERS and url.count(url[-1]) > url.count(_OPENERS[url[-1]]):
            url = url[:-1].rstrip(_URL_TRAILING)
        if len(url) <= len("https://"):
            continue
        start = match.start()
        if start > position:
            nodes.append({"type": "text", "text": line[position:start]})
        nodes.append({"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]})
        position = start + len(url)
    if position < len(line):
        nodes.append({"type": "text", "text": line[position:]})
    return nodes
