from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.jira.adf import MAX_DEPTH, adf_to_text, text_to_adf


def doc(*content: Any) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def p(*inline: Any) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inline)}


def t(text: str, *marks: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = list(marks)
    return node


def item(*content: Any) -> dict[str, Any]:
    return {"type": "listItem", "content": list(content)}


def test_paragraphs_are_separated_by_a_blank_line_and_hard_breaks_are_newlines() -> None:
    rendered = adf_to_text(doc(p(t("Paged DB team"), {"type": "hardBreak"}, t("ETA 10 min")), p(t("Second"))))
    assert rendered == "Paged DB team\nETA 10 min\n\nSecond"


def test_headings_keep_their_level() -> None:
    heading = {"type": "heading", "attrs": {"level": 2}, "content": [t("Impact")]}
    assert adf_to_text(doc(heading, p(t("All DE dealers")))) == "## Impact\n\nAll DE dealers"


def test_nested_bullet_and_ordered_lists_are_indented() -> None:
    nested = {"type": "orderedList", "attrs": {"order": 3}, "content": [item(p(t("three"))), item(p(t("four")))]}
    bullets = {
        "type": "bulletList",
        "content": [item(p(t("restart pods")), nested), item(p(t("check CRM sync")))],
    }
    assert adf_to_text(doc(bullets)) == "- restart pods\n  3. three\n  4. four\n- check CRM sync"


def test_list_item_with_two_paragraphs_keeps_continuation_indent() -> None:
    bullets = {"type": "bulletList", "content": [item(p(t("first")), p(t("more")))]}
    assert adf_to_text(doc(bullets)) == "- first\n  more"


def test_code_block_is_fenced_and_keeps_its_lines() -> None:
    code = {"type": "codeBlock", "attrs": {"language": "bash"}, "content": [t("kubectl get pods\n  -n crm")]}
    assert adf_to_text(doc(code)) == "```bash\nkubectl get pods\n  -n crm\n```"


def test_blockquote_panel_and_rule() -> None:
    quote = {"type": "blockquote", "content": [p(t("customer says")), p(t("it is down"))]}
    panel = {"type": "panel", "attrs": {"panelType": "warning"}, "content": [p(t("Do not restart"))]}
    assert adf_to_text(doc(quote, {"type": "rule"}, panel)) == (
        "> customer says\n>\n> it is down\n\n----\n\nWarning: Do not restart"
    )


def test_inline_nodes() -> None:
    rendered = adf_to_text(
        doc(
            p(
                {"type": "mention", "attrs": {"id": "5b10", "text": "@Anna Schmidt"}},
                t(" and "),
                {"type": "mention", "attrs": {"id": "5b11", "text": "Jörg"}},
                t(" "),
                {"type": "emoji", "attrs": {"shortName": ":fire:", "text": "🔥"}},
                {"type": "emoji", "attrs": {"shortName": ":custom:"}},
                t(" "),
                {"type": "status", "attrs": {"text": "IN PROGRESS", "color": "blue"}},
                t(" due "),
                {"type": "date", "attrs": {"timestamp": "1760486400000"}},
            )
        )
    )
    assert rendered == "@Anna Schmidt and @Jörg 🔥:custom: [IN PROGRESS] due 2025-10-15"


def test_links_show_the_url_only_when_it_differs_from_the_text() -> None:
    link = {"type": "link", "attrs": {"href": "https://grafana.example/d/crm"}}
    same = {"type": "link", "attrs": {"href": "https://status.example"}}
    card = {"type": "inlineCard", "attrs": {"url": "https://jira.example/browse/OPS-9"}}
    rendered = adf_to_text(doc(p(t("dashboard", link), t(" "), t("https://status.example", same), t(" "), card)))
    assert (
        rendered == "dashboard (https://grafana.example/d/crm) https://status.example https://jira.example/browse/OPS-9"
    )


def test_tables_render_rows_with_separators() -> None:
    def cell(kind: str, text: str) -> dict[str, Any]:
        return {"type": kind, "content": [p(t(text))]}

    table = {
        "type": "table",
        "content": [
            {"type": "tableRow", "content": [cell("tableHeader", "Service"), cell("tableHeader", "State")]},
            {"type": "tableRow", "content": [cell("tableCell", "CRM Platform"), cell("tableCell", "degraded")]},
        ],
    }
    assert adf_to_text(doc(table)) == "Service | State\nCRM Platform | degraded"


def test_media_becomes_an_attachment_marker() -> None:
    single = {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "abc", "type": "file"}}]}
    group = {"type": "mediaGroup", "content": [{"type": "media", "attrs": {"alt": "trace.log"}}]}
    assert adf_to_text(doc(single, group)) == "[attachment]\n\n[attachment: trace.log]"


def test_task_list_shows_state() -> None:
    tasks = {
        "type": "taskList",
        "content": [
            {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [t("rollback")]},
            {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [t("post-mortem")]},
        ],
    }
    assert adf_to_text(doc(tasks)) == "[x] rollback\n[ ] post-mortem"


def test_unknown_nodes_show_their_text_content() -> None:
    future = {"type": "shinyNewBlock", "content": [p(t("still readable"))]}
    inline_future = {"type": "sparkle", "content": [t("inline")]}
    assert adf_to_text(doc(future, p(t("x "), inline_future))) == "still readable\n\nx inline"


def test_escape_sequences_in_text_are_removed() -> None:
    rendered = adf_to_text(doc(p(t("\x1b[31mred\x1b[0m \x1b]0;owned\x07ok [bold]x[/]"))))
    assert rendered == "red ok [bold]x[/]"


def test_carriage_return_does_not_break_list_indentation() -> None:
    bullets = {"type": "bulletList", "content": [item(p(t("a\r\nb")))]}
    assert adf_to_text(doc(bullets)) == "- a\n  b"


def test_v2_string_bodies_are_passed_through_sanitised() -> None:
    assert adf_to_text("plain *wiki* text\r\n\x1b[1mbold") == "plain *wiki* text\nbold"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        3.5,
        True,
        [],
        {},
        {"type": "doc"},
        {"type": "doc", "content": "nope"},
        {"type": "doc", "content": [None, 1, "loose text", [], {"type": None}]},
        {"type": "paragraph", "content": [{"type": "text", "text": 5}, {"type": "text"}]},
        {"type": "orderedList", "attrs": {"order": 10**400}, "content": [item(p(t("x")))]},
        {"type": "heading", "attrs": "oops", "content": [t("h")]},
        {"type": "date", "attrs": {"timestamp": "²³"}},
        {"type": "table", "content": [{"type": "tableRow", "content": "x"}, 7]},
    ],
)
def test_garbage_never_crashes(garbage: Any) -> None:
    assert isinstance(adf_to_text(garbage), str)


def test_huge_list_start_falls_back_to_one() -> None:
    rendered = adf_to_text(doc({"type": "orderedList", "attrs": {"order": 10**400}, "content": [item(p(t("x")))]}))
    assert rendered == "1. x"


def test_loose_strings_at_block_level_are_kept() -> None:
    assert adf_to_text({"type": "doc", "content": [None, "loose text", 1]}) == "loose text"


def test_deep_nesting_is_cut_off_not_crashing() -> None:
    node: dict[str, Any] = p(t("bottom"))
    for _ in range(5000):
        node = {"type": "blockquote", "content": [node]}
    rendered = adf_to_text(doc(node))
    assert "…" in rendered
    assert "bottom" not in rendered
    assert rendered.count(">") <= MAX_DEPTH + 1


def test_moderate_nesting_renders_fully() -> None:
    node: dict[str, Any] = p(t("bottom"))
    for _ in range(10):
        node = {"type": "bulletList", "content": [item(node)]}
    assert adf_to_text(doc(node)).endswith("- bottom")


def test_very_wide_documents_are_bounded() -> None:
    rendered = adf_to_text(doc(*(p(t("x")) for _ in range(200_000))))
    assert 0 < rendered.count("x") < 200_000


# text_to_adf -------------------------------------------------------------------------------------------


def test_text_to_adf_matches_the_minimal_documented_shape() -> None:
    assert text_to_adf("Paged DB team") == {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Paged DB team"}]}],
    }


def test_text_to_adf_paragraphs_and_hard_breaks() -> None:
    built = text_to_adf("line one\nline two\n\n  \n\nnext paragraph\n")
    assert built["content"] == [
        p(t("line one"), {"type": "hardBreak"}, t("line two")),
        p(t("next paragraph")),
    ]


def test_text_to_adf_links_urls_without_trailing_punctuation() -> None:
    built = text_to_adf("see https://grafana.example/d/x?a=1. (and https://en.example/wiki/A_(b)) ok")
    link_texts = [n["text"] for n in built["content"][0]["content"] if "marks" in n]
    assert link_texts == ["https://grafana.example/d/x?a=1", "https://en.example/wiki/A_(b)"]
    assert adf_to_text(built) == "see https://grafana.example/d/x?a=1. (and https://en.example/wiki/A_(b)) ok"


@pytest.mark.parametrize("empty", ["", "   ", "\n\n\t\n", "\x1b[31m\x1b[0m"])
def test_text_to_adf_refuses_empty_comments(empty: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        text_to_adf(empty)


def test_text_to_adf_strips_control_characters() -> None:
    assert text_to_adf("a\x1b[2Jb\x07") == doc(p(t("ab")))


LINE = st.text(alphabet=st.sampled_from("abcÄöß €🔥[]/:.-"), min_size=1, max_size=20).filter(lambda s: s.strip())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(LINE, min_size=1, max_size=4), min_size=1, max_size=4))
def test_text_round_trips_through_adf(paragraphs: list[list[str]]) -> None:
    expected = "\n\n".join("\n".join(line.rstrip() for line in para) for para in paragraphs)
    assert adf_to_text(text_to_adf(expected)) == expected
