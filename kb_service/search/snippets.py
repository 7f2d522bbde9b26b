"""The API's form of a search snippet: the passage HTML-escaped, with matched words in <mark>."""

import html

from indexer.search import Snippet


def snippet_html(snippet: Snippet) -> str:
    """Escaped text with each highlighted range wrapped in <mark> (the API's "snippet")."""
    return "".join(
        f"<mark>{html.escape(piece)}</mark>" if marked else html.escape(piece)
        for piece, marked in snippet.parts()
    )
