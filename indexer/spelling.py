"""'Did you mean' computed over what the viewer may see.

Whoosh's corrector draws on the whole index, so it could offer a word that exists only in an
internal article. Candidates come from the global dictionary, but a candidate is kept only if
it occurs in a document the viewer may see, and candidates are ranked by that visible count.
"""

from whoosh.support.levenshtein import damerau_levenshtein

from indexer import schema
from indexer.analysis import is_indexed_word, stem
from indexer.querying import ParsedQuery
from indexer.view import IndexView

MAX_DISTANCE = 2
MIN_WORD = 4  # shorter words have too many neighbours to correct reliably


def _visible_count(view: IndexView, field: str, text: str, allowed: set[int] | None) -> int:
    reader = view.searcher.reader()
    if (field, text) not in reader:
        return 0
    docs = reader.postings(field, text).all_ids()
    if allowed is None:
        return sum(1 for _ in docs)
    return sum(1 for d in docs if d in allowed)


def _is_known(view: IndexView, word: str, allowed: set[int] | None) -> bool:
    term = stem(word)
    return any(_visible_count(view, field, term, allowed) for field in (schema.TITLE, schema.BODY))


def _candidates(view: IndexView, word: str) -> set[str]:
    found: set[str] = set()
    for leaf, _offset in view.searcher.leaf_searchers():
        # Per segment: the segment reader walks its term list with a Levenshtein automaton,
        # while the multi-segment reader falls back to comparing every term.
        found.update(leaf.reader().terms_within(schema.SPELLING, word, MAX_DISTANCE))
    return found


def _correct_word(view: IndexView, word: str, allowed: set[int] | None) -> str | None:
    ranked = []
    for candidate in _candidates(view, word):
        if candidate == word:
            continue
        count = _visible_count(view, schema.SPELLING, candidate, allowed)
        if count:
            ranked.append((damerau_levenshtein(word, candidate), -count, candidate))
    return min(ranked)[2] if ranked else None


def did_you_mean(view: IndexView, parsed: ParsedQuery, allowed: set[int] | None) -> str | None:
    """The query with unknown words replaced by visible corrections, or None."""
    changed = False
    corrected = []
    for word in parsed.words:
        replacement = None
        correctable = len(word) >= MIN_WORD and word.isalpha() and is_indexed_word(word)
        if correctable and not _is_known(view, word, allowed):
            replacement = _correct_word(view, word, allowed)
        corrected.append(replacement or word)
        changed = changed or replacement is not None
    return " ".join(corrected) if changed else None
