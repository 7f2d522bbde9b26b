"""'Did you mean' computed over what the viewer may see.

Whoosh's corrector draws on the whole index, so it could offer a word that exists only in an
internal article. Here candidates are index terms (stems) near the misspelt word's stem, kept
only if a document the viewer may see contains them and ranked by that visible count; the word
offered is the candidate's commonest spelling in a visible document, since a stem is not a word.
A separate dictionary field of whole words would double the postings and the rebuild time.
"""

from collections import Counter
from typing import NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer import schema
from indexer.analysis import is_indexed_word, stem
from indexer.querying import ParsedQuery
from indexer.snippets import matched_words
from indexer.view import IndexView

MIN_WORD = 4  # shorter words have too many neighbours to correct reliably
LONG_WORD = 7  # from this length two edits are plausible, below it one
FIELDS = (schema.TITLE, schema.BODY)


class Near(NamedTuple):
    """An index term near a typed word; tuples sort closest first."""

    distance: int
    kind: int  # 0: a whole title word, 1: a stem
    rarity: int  # minus the visible documents containing it
    term: str  # the stem to search for
    word: str | None  # the whole word, when known
    docnum: int | None  # a visible document containing the stem, to find its spelling


def _visible_docs(
    view: IndexView, term: str, visible: np.ndarray, fields: tuple[str, ...] = FIELDS
) -> np.ndarray:
    ids = np.concatenate([view.postings(field, term)[0] for field in fields])
    return np.unique(ids[visible[ids]])


def _near_terms(view: IndexView, field: str, text: str, distance: int) -> dict[str, int]:
    """Terms of ``field`` within ``distance`` edits of ``text`` (a swap of two neighbouring
    letters is one edit), with their distances.

    Only terms sharing the first letter are compared: typos rarely hit it, and it keeps the
    comparison to a few thousand terms, held per segment and compared in C by rapidfuzz.
    Whoosh's own walk (a Levenshtein automaton in Python) took up to a second for a long
    word at 20,000 articles.
    """
    found: dict[str, int] = {}
    for terms in view.terms_starting(field, text[:1]):
        for term, gap, _index in process.extract_iter(
            text, terms, scorer=OSA.distance, score_cutoff=distance
        ):
            found[term] = gap
    found.pop(text, None)
    return found


def _spelling(view: IndexView, term: str, docnum: int) -> str | None:
    """The commonest written form of ``term`` in a document (folded, as queries are)."""
    stored = view.searcher.stored_fields(docnum)
    text = f"{stored.get(schema.TITLE) or ''}\n{stored.get(schema.BODY_TEXT) or ''}"
    forms = Counter(matched_words(text, {term}))
    return forms.most_common(1)[0][0] if forms else None


def nearest(view: IndexView, word: str, visible: np.ndarray) -> list[Near]:
    """Visible index terms near a typed word, closest first: whole title words compared with
    what was typed (they catch "settigns" -> "settings", whose stem "set" is too far from
    "settign"), then stems of title and body compared with the typed word's stem."""
    distance = 2 if len(word) >= LONG_WORD else 1
    ranked = []
    for candidate, gap in _near_terms(view, schema.TITLE_WORDS, word, distance).items():
        docs = _visible_docs(view, candidate, visible, (schema.TITLE_WORDS,))
        if len(docs) and is_indexed_word(candidate):
            ranked.append(Near(gap, 0, -len(docs), stem(candidate), candidate, None))
    term = stem(word)
    for field in FIELDS:
        for candidate, gap in _near_terms(view, field, term, distance).items():
            docs = _visible_docs(view, candidate, visible)
            if len(docs):
                ranked.append(Near(gap, 1, -len(docs), candidate, None, int(docs[0])))
    # Closest first; at equal distance a whole word beats a stem's guessed spelling.
    ranked.sort(key=lambda r: r[:4])
    unique: dict[str, Near] = {}
    for near in ranked:
        unique.setdefault(near.term, near)
    return list(unique.values())


def shown(view: IndexView, near: Near) -> str | None:
    """The word to show for a near term (a stem is not a word: its commonest spelling)."""
    return near.word if near.word is not None else _spelling(view, near.term, near.docnum)


def is_known(view: IndexView, word: str, visible: np.ndarray) -> bool:
    """Whether a document the viewer may see contains the folded word (by its stem)."""
    # Asked of every word of every query: a gather per field, no set of documents (np.unique
    # over a common word's postings took half of a search's time at 100,000 articles).
    term = stem(word)
    return any(visible[view.postings(field, term)[0]].any() for field in FIELDS)


def is_correctable(word: str) -> bool:
    return len(word) >= MIN_WORD and word.isalpha() and is_indexed_word(word)


def did_you_mean(
    view: IndexView,
    parsed: ParsedQuery,
    visible: np.ndarray,
    known: frozenset[str] = frozenset(),
) -> str | None:
    """The query with words unknown to the viewer's documents replaced by corrections, or None.

    ``known`` words are left alone though the index lacks them (a synonym covers them).
    """
    changed = False
    corrected = []
    for word in parsed.words:
        replacement = None
        if is_correctable(word) and word not in known and not is_known(view, word, visible):
            found = nearest(view, word, visible)
            replacement = shown(view, found[0]) if found else None
        corrected.append(replacement or word)
        changed = changed or replacement is not None
    return " ".join(corrected) if changed else None
