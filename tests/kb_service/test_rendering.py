"""Markdown becomes safe HTML once, and plain text for the index keeps words and punctuation."""

from kb_service.articles.rendering import html_to_text, render_markdown


def test_markdown_structure_survives_sanitising():
    html = render_markdown(
        "## Шаги\n\n1. Откройте **Settings**\n2. `ipconfig /all`\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    for tag in (
        "<h2",
        "<ol>",
        "<strong>Settings</strong>",
        "<code>ipconfig /all</code>",
        "<table>",
    ):
        assert tag in html


def test_links_get_safe_rel_and_only_safe_schemes():
    html = render_markdown(
        "[ok](https://example.test) [bad](javascript:alert(1)) [d](data:text/html,x)"
    )
    assert 'href="https://example.test"' in html and "noopener" in html
    assert "javascript:" not in html and "data:" not in html


def test_plain_text_separates_blocks_but_not_inline_markup():
    html = render_markdown("Нажмите **Print Test Page**. Если\n\n- один\n- два")
    assert html_to_text(html) == "Нажмите Print Test Page. Если один два"


def test_plain_text_unescapes_entities_once():
    assert html_to_text(render_markdown('Use `<b>` & "quotes"')) == 'Use <b> & "quotes"'
