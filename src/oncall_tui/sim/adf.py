"""The simulator's own ADF handling: storage is ADF (as on Cloud); v2 and Data Center speak plain text.

Deliberately independent of the client's ADF code (oncall_tui.jira.adf) so the two cannot share a mistake.
"""

from __future__ import annotations

from typing import Any


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def paragraph(text: str) -> dict[str, Any]:
    lines = text.split("\n")
    content: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if i:
            content.append({"type": "hardBreak"})
        if line:
            content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}


def bullet_list(items: list[str]) -> dict[str, Any]:
    return {
        "type": "bulletList",
        "content": [{"type": "listItem", "content": [paragraph(item)]} for item in items],
    }


def code_block(text: str, language: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "codeBlock", "content": [{"type": "text", "text": text}]}
    if language:
        node["attrs"] = {"language": language}
    return node


def from_text(text: str) -> dict[str, Any]:
    """Plain text (a v2 body) -> ADF: blank lines separate paragraphs."""
    blocks = [paragraph(part.strip("\n")) for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    return doc(*blocks)


def to_text(node: Any) -> str:
    """ADF -> the plain/wiki-ish text that v2 serves for the same content."""
    return _block(node).strip("\n")


def _inline(nodes: Any) -> str:
    if not isinstance(nodes, list):
        return ""
    out: list[str] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
        if kind == "text":
            out.append(str(node.get("text", "")))
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            out.append(str(attrs.get("text") or "@" + str(attrs.get("id", ""))))
        elif kind == "emoji":
            out.append(str(attrs.get("text") or attrs.get("shortName", "")))
        elif kind == "inlineCard":
            out.append(str(attrs.get("url", "")))
        else:
            out.append(_inline(node.get("content")))
    return "".join(out)


def _block(node: Any, depth: int = 0) -> str:
    if not isinstance(node, dict) or depth > 50:
        return ""
    kind = node.get("type")
    content = node.get("content") if isinstance(node.get("content"), list) else []
    if kind == "doc" or kind in ("blockquote", "panel", "expand"):
        return "\n".join(_block(child, depth + 1) for child in content)
    if kind in ("paragraph", "heading"):
        return _inline(content) + "\n"
    if kind in ("bulletList", "orderedList"):
        marker = "*" if kind == "bulletList" else "#"
        lines = []
        for item in content:
            text = _block(item, depth + 1).strip("\n")
            lines.append(f"{marker} {text}")
        return "\n".join(lines) + "\n"
    if kind == "listItem":
        return "\n".join(_block(child, depth + 1).strip("\n") for child in content)
    if kind == "codeBlock":
        return "{code}\n" + _inline(content) + "\n{code}\n"
    if kind == "rule":
        return "----\n"
    return _inline(content) + "\n"


def is_adf_doc(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and isinstance(value.get("content"), list)
        and value.get("version") == 1
    )
