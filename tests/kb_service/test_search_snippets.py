"""The API's snippet string: the indexer's passage escaped, with the matched words in <mark>."""

from indexer.search import Snippet
from kb_service.search.snippets import snippet_html


def test_api_snippet_escapes_the_text_and_marks_the_matches() -> None:
    text = '…запустите <script>alert("x")</script> & принтер'
    start = text.index("принтер")
    cut = Snippet(text, ((start, start + len("принтер")),))
    assert snippet_html(cut) == (
        "…запустите &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>принтер</mark>"
    )


def test_api_snippet_of_an_empty_passage_is_empty() -> None:
    assert snippet_html(Snippet("")) == ""
