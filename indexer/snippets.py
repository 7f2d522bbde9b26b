"""Highlighted snippets cut from an article's stored plain text, as data: the passage and the
ranges of it that match. Each face renders them its own way (escaped HTML with <mark> for the
API, autoescaped template parts for the portal); nothing here is markup.

Whoosh's highlighter re-tokenises the whole text through the analyzer (p95 47 ms for ten hits at
20k documents); here one regular expression built from the query's stems finds candidate
words at C speed and only those candidates are stemmed to confirm them.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.analysis import fold, stem

WIDTH = 240  # characters of text around the best cluster of matches
LEAD = 60  # characters shown before the first match of the window
# Enough of any article to find matches in; machine logs pasted into bug reports run long.
SCAN_LIMIT = 50_000
# Windows are tried at each of the first matches only; later ones rarely beat them.
MAX_MATCHES = 200
_SPACE_RE = re.compile(r"\s+")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    """A passage of an article and the ranges of it that match the query."""

    # Runs of whitespace made one space; ELLIPSIS at an end where the article goes on.
    text: str
    # (start, end) offsets into text, in order and not overlapping.
    highlights: tuple[tuple[int, int], ...] = ()

    def parts(self) -> list[tuple[str, bool]]:
        """The text in order as (piece, highlighted) pairs, without empty pieces."""
        parts, cursor = [], 0
        for start, end in self.highlights:
            parts += [(self.text[cursor:start], False), (self.text[start:end], True)]
            cursor = end
        parts.append((self.text[cursor:], False))
        return [(piece, marked) for piece, marked in parts if piece]


EMPTY = Snippet("")


def _prefix(stem_text: str) -> str:
    """A pattern for words starting with a stem. English stems may end in "i" for a written
    "y" (try -> tri), and folded "е" may be written "ё"."""
    escaped = re.escape(stem_text)
    if stem_text.endswith("i") and stem_text.isascii():
        escaped = escaped[:-1] + "[iy]"
    return escaped.replace("е", "[её]")


@lru_cache(maxsize=1024)
def _pattern(stems: frozenset[str]) -> re.Pattern[str] | None:
    alternatives = sorted((_prefix(s) for s in stems if s), key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE)


def _matches(text: str, stems: set[str]) -> list[tuple[int, int, str]]:
    pattern = _pattern(frozenset(stems))
    if pattern is None:
        return []
    found = []
    for match in pattern.finditer(text, 0, min(len(text), SCAN_LIMIT)):
        term = stem(fold(match.group()))
        if term in stems:
            found.append((match.start(), match.end(), term))
            if len(found) >= MAX_MATCHES:
                break
    return found


def matched_words(text: str, stems: set[str]) -> list[str]:
    """The folded words of ``text`` whose stems are among ``stems``."""
    return [fold(text[start:end]) for start, end, _term in _matches(text, stems)]


def _best_window(matches: list[tuple[int, int, str]]) -> int:
    """Start offset of the window holding the most distinct matched stems."""
    best_start, best_score = 0, (-1, 0)
    for i, (start, _end, _term) in enumerate(matches):
        limit = start + WIDTH - LEAD
        inside = []
        for m in matches[i:]:
            if m[1] > limit:
                break
            inside.append(m[2])
        score = (len(set(inside)), len(inside))
        if score > best_score:
            best_start, best_score = start, score
    return max(0, best_start - LEAD)


def _cut(text: str, start: int) -> tuple[int, int]:
    """Widen [start, start + WIDTH) outwards to whitespace so no word is cut in half."""
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.find(" ", end, end + 20)
        end = space if space >= 0 else end
    return start, end


def _assemble(pieces: list[tuple[str, bool]]) -> Snippet:
    """Join (piece, highlighted) pieces, making each run of whitespace one space and
    stripping both ends, with the highlighted ranges moved to match."""
    text, highlights = "", []
    for piece, marked in pieces:
        piece = _SPACE_RE.sub(" ", piece)
        if piece.startswith(" ") and text.endswith(" "):
            piece = piece[1:]  # the same run of whitespace, split by a piece boundary
        if marked:
            highlights.append((len(text), len(text) + len(piece)))
        text += piece
    shift = len(text) - len(text.lstrip())
    moved = tuple((start - shift, end - shift) for start, end in highlights)
    return Snippet(text.strip(), moved)


def snippet(text: str, stems: set[str]) -> Snippet:
    """The best passage of ``text``, with the words whose stems are in ``stems`` highlighted."""
    matches = _matches(text, stems)
    start, end = _cut(text, _best_window(matches) if matches else 0)
    pieces = [(ELLIPSIS, False)] if start > 0 else []
    cursor = start
    for m_start, m_end, _term in matches:
        if m_start < start or m_end > end:
            continue
        pieces += [(text[cursor:m_start], False), (text[m_start:m_end], True)]
        cursor = m_end
    pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append((ELLIPSIS, False))
    return _assemble(pieces)
