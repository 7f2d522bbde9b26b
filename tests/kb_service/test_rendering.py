"""Markdown becomes safe HTML once, and plain text for the index keeps words and punctuation."""

from concurrent.futures import ThreadPoolExecutor

import markdown
import nh3

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


# Each defines something a converter remembers (footnote, abbreviation, link reference,
# admonition) and uses what the others define, so a state left over from the previous
# document would change the next one's output.
STATEFUL = [
    "Read the manual[^1].\n\n[^1]: Chapter 2.\n\n*[HTML]: Hyper Text Markup Language",
    "HTML pages and [the site][ref] and a note[^1].",
    "[ref]: https://example.test\n\n!!! note\n    Restart the spooler.\n\nSee [ref].",
    "Plain text, nothing defined: HTML [ref] [^1].",
]


def _fresh(source: str) -> str:
    """What rendering gave before converters were reused: a new converter per document."""
    from kb_service.articles import rendering

    raw = markdown.markdown(source, extensions=rendering._EXTENSIONS, output_format="html")
    return nh3.clean(
        raw,
        tags=rendering._TAGS,
        attributes=rendering._ATTRIBUTES,
        url_schemes=rendering._SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def test_a_reused_converter_renders_each_document_as_a_fresh_one_would():
    for source in STATEFUL * 2:
        assert render_markdown(source) == _fresh(source)


def test_threads_rendering_at_once_get_the_same_html_as_one_at_a_time():
    expected = [_fresh(source) for source in STATEFUL] * 50
    with ThreadPoolExecutor(max_workers=8) as pool:
        rendered = list(pool.map(render_markdown, STATEFUL * 50))
    assert rendered == expected


def test_a_list_that_goes_on_after_a_code_block_keeps_the_authors_numbers():
    steps = "1. Откройте очередь\n2. Отмените\n\n```\nnet stop spooler\n```\n\n3. Включите"
    html = render_markdown(steps)
    assert '<ol start="3">' in html
    assert html.count("<ol") == 2 and html.index("<pre>") < html.index('<ol start="3">')
