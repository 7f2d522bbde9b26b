"""'Did you mean' computed over what the viewer may see.

Whoosh's corrector draws on the whole index, so it could offer a word that exists only in an
internal article. Here candidates are index terms (stems) near the misspelt word's stem, kept
only if a document the viewer may see contains them and ranked by that visible count; the word
offered is the candidate's commonest spelling in a visible document, since a stem is not a word.
A separate dictionary field of whole words would double the postings and the rebuild time.
"""

from collections import Counter

from whoosh.support.levenshtein import damerau_levenshtein

from indexer import schema
from indexer.analysis import is_indexed_word, stem
from indexer.querying import ParsedQuery
from indexer.snippets import matched_words
from indexer.view import IndexView

MAX_DISTANCE = 2
MIN_WORD = 4  # shorter words have too many neighbours to correct reliably
FIELDS = (schema.TITLE, schema.BODY)


def _visible_docs(view: IndexView, term: str, allowed: set[int] | None) -> list[int]:
    reader = view.searcher.reader()
    docs: set[int] = set()
    for field in FIELDS:
        if (field, term) in reader:
            docs.update(reader.postings(field, term).all_ids())
    return sorted(docs if allowed is None else docs & allowed)


def _candidates(view: IndexView, term: str) -> set[str]:
    found: set[str] = set()
    for leaf, _offset in view.searcher.leaf_searchers():
        # Per segment: a segment reader walks its term list with a Levenshtein automaton,
        # while the multi-segment reader would compare every term.
        for field in FIELDS:
            found.update(leaf.reader().terms_within(field, term, MAX_DISTANCE))
    found.discard(term)
    return found


def _spelling(view: IndexView, term: str, docnum: int) -> str | None:
    """The commonest written form of ``term`` in a document (folded, as queries are)."""
    stored = view.searcher.stored_fields(docnum)
    text = f"{stored.get(schema.TITLE) or ''}\n{stored.get(schema.BODY_TEXT) or ''}"
    forms = Counter(matched_words(text, {term}))
    return forms.most_common(1)[0][0] if forms else None


def _correct_word(view: IndexView, word: str, allowed: set[int] | None) -> str | None:
    term = stem(word)
    ranked = []
    for candidate in _candidates(view, term):
        docs = _visible_docs(view, candidate, allowed)
        if docs:
            ranked.append((damerau_levenshtein(term, candidate), -len(docs), candidate, docs[0]))
    if not ranked:
        return None
    _distance, _count, candidate, docnum = min(ranked)
    return _spelling(view, candidate, docnum)


def did_you_mean(view: IndexView, parsed: ParsedQuery, allowed: set[int] | None) -> str | None:
    """The query with unknown words replaced by visible corrections, or None."""
    changed = False
    corrected = []
    for word in parsed.words:
        replacement = None
        correctable = len(word) >= MIN_WORD and word.isalpha() and is_indexed_word(word)
        if correctable and not _visible_docs(view, stem(word), allowed):
            replacement = _correct_word(view, word, allowed)
        corrected.append(replacement or word)
        changed = changed or replacement is not None
    return " ".join(corrected) if changed else None
