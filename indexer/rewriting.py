"""From what was typed to what is searched: the keyboard layout, typos, synonyms and codes.

Everything here draws only on the vocabulary of documents the viewer may see (``visible``),
so no rewrite can reveal a word of an article the viewer may not open.

- A query typed with the other layout on ("ghbynth") is searched as converted ("принтер")
  when the converted words are known to the index and the typed ones much less so.
- A word the index does not know gets its nearest known terms, weighed below what was typed.
  When the known words of the query find almost nothing and every unknown word has a
  correction, the corrected query is searched at once instead, and said so.
- Synonyms add their group's other terms, weighed below what was typed.
- Codes are also searched in their joined form (LP-2040, lp 2040 -> lp2040).
- A query of nothing but stop words is searched as words, in titles.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from indexer import schema
from indexer.analysis import WORD_RE, code_variants, is_indexed_word, stem
from indexer.layout import switched
from indexer.querying import MAX_PHRASE_QUERY_WORDS, MAX_TERMS, ParsedQuery, parse, weighted_terms
from indexer.spelling import did_you_mean, is_correctable, is_known, nearest, shown
from indexer.synonyms import Synonyms
from indexer.view import IndexView

# Weights relative to a word as typed (1.0): the nearest spellings of an unknown word, and
# the other terms of a synonym group. Tuned on bench/relevance.py's typo column.
FUZZY_WEIGHT = 0.8
SYNONYM_WEIGHT = 0.8
# At most this many spellings stand in for one unknown word.
FUZZY_PER_WORD = 3
# Queries longer than this are questions rather than keywords (see plan).
SHORT_QUERY_WORDS = 6
WORDY_FUZZY_WEIGHT = 0.3
# "Finds little": fewer documents than this contain the query's known words.
FEW = 3
# Longer queries are pasted text: their unknown words are names and paths, not typos.
FORGIVING_WORDS = MAX_PHRASE_QUERY_WORDS
# A question typed in the wrong layout can be long; a pasted text beyond this is not.
MAX_LAYOUT_CHUNKS = 40


@dataclass(frozen=True)
class Plan:
    """What to search for a query, and what to tell the viewer about it."""

    parsed: ParsedQuery  # the query searched (converted or corrected, if so)
    searched: str  # its text
    corrected: bool  # True when ``searched`` is not what was typed
    terms: dict[str, float]  # stems -> weight, over the scored fields
    codes: dict[str, float] = field(default_factory=dict)  # joined codes -> weight
    title_words: dict[str, float] = field(default_factory=dict)  # stop words only: words
    did_you_mean: str | None = None


def _known(view: IndexView, parsed: ParsedQuery, visible: np.ndarray, covered) -> int:
    return sum(
        1
        for w in parsed.words
        if is_indexed_word(w) and (w in covered or is_known(view, w, visible))
    )


def _layout(view, text, parsed, visible, synonyms: Synonyms) -> tuple[str, ParsedQuery] | None:
    """The query with its chunks typed in the other layout converted, when that makes more of
    its words known; None when nothing is gained.

    Chunk by chunk (runs of non-space), since a layout mix-up keeps names typed in Latin
    ("Debian", "LP-2040") as they were, and the punctuation keys are letters in the other
    layout ("c,hjc" is "сброс"). A chunk known neither way, or a stop word once converted,
    follows the majority of the others.
    """
    chunks = text.split()[:MAX_LAYOUT_CHUNKS]
    if not chunks:
        return None
    covered = synonyms.expand(parsed.words, text, 1).covered

    def known(chunk: str) -> tuple[int, int]:
        found = [w for w in WORD_RE.findall(chunk) if is_indexed_word(w)]
        hits = sum(1 for w in found if w in covered or is_known(view, w, visible))
        return hits, len(found)

    decided: list[bool | None] = []
    for chunk in chunks:
        other = switched(chunk)
        (mine, _count), (theirs, other_count) = known(chunk), known(other)
        if other == chunk or not other_count or not (mine or theirs):
            decided.append(None)  # undecided: a stop word, a name, or unknown either way
        else:
            decided.append(theirs > mine)
    votes = [d for d in decided if d is not None]
    if not any(votes):
        return None
    majority = 2 * sum(votes) >= len(votes)
    converted = " ".join(
        switched(chunk) if (d if d is not None else majority) else chunk
        for chunk, d in zip(chunks, decided, strict=True)
    )
    before = sum(known(chunk)[0] for chunk in chunks)
    after = sum(known(chunk)[0] for chunk in converted.split())
    if after <= before:
        return None
    return converted, parse(converted)


def plan(
    view: IndexView,
    text: str,
    visible: np.ndarray,
    synonyms: Synonyms,
    *,
    correct: bool = True,
    typed: str = "",
) -> Plan:
    """How to search ``text`` (normalised ``typed``) for a viewer seeing ``visible``."""
    parsed = parse(text)
    typed = typed or text
    searched, corrected = text, False
    if correct and len(parsed.words) <= MAX_LAYOUT_CHUNKS:
        converted = _layout(view, text, parsed, visible, synonyms)
        if converted is not None:
            (searched, parsed), corrected = converted, True
    forgiving = correct and len(parsed.words) <= FORGIVING_WORDS
    expansion = synonyms.expand(parsed.words, typed if not corrected else searched, SYNONYM_WEIGHT)
    terms = weighted_terms(parsed)
    unknown = []
    if forgiving:
        unknown = [
            w
            for w in dict.fromkeys(parsed.words)
            if is_correctable(w) and w not in expansion.covered and not is_known(view, w, visible)
        ]
    nears = {w: nearest(view, w, visible) for w in unknown}
    suggestion = None
    if unknown and all(nears.values()):
        spelled = {w: shown(view, nears[w][0]) for w in unknown}
        if all(spelled.values()):
            suggestion = " ".join(spelled.get(w, w) for w in parsed.words)
    if suggestion is not None and _finds_little(view, terms, expansion, unknown, visible):
        again = plan(view, suggestion, visible, synonyms, correct=False, typed=suggestion)
        return replace(again, corrected=True)
    # In a question, an unknown word is more often a real word the articles lack than a typo:
    # its nearest spelling alone stands in for it, weighed less.
    wordy = len(parsed.words) > SHORT_QUERY_WORDS
    for word, near in nears.items():
        if not near:
            continue
        weight = terms.pop(stem(word), 1.0) * (WORDY_FUZZY_WEIGHT if wordy else FUZZY_WEIGHT)
        best = near[0].distance
        for candidate in [n for n in near if n.distance == best][: 1 if wordy else FUZZY_PER_WORD]:
            terms[candidate.term] = max(terms.get(candidate.term, 0.0), weight)
    for term, weight in expansion.terms.items():
        terms.setdefault(term, weight)
    # Codes are typed in keyword queries; a report's words are in the body already, and its
    # joined forms only add noise (gitbugs_dups nDCG 0.671 -> 0.658 with them). Plain words
    # meet joined forms ("wifi" = "wi-fi") in the shortest queries only.
    words = len(parsed.words)
    joined = code_variants(searched, query=words <= 3) if words <= SHORT_QUERY_WORDS else []
    codes = dict.fromkeys(joined[:MAX_TERMS], schema.CODE_BOOST)
    for code, weight in expansion.codes.items():
        codes.setdefault(code, weight * schema.CODE_BOOST)
    title_words = {}
    if not terms:
        title_words = dict.fromkeys(parsed.words[:MAX_TERMS], 1.0)
    if suggestion is None and unknown:
        # Some unknown words have no correction: offer the others' corrections.
        suggestion = did_you_mean(view, parsed, visible, expansion.covered)
    return Plan(parsed, searched, corrected, terms, codes, title_words, suggestion)


def _finds_little(view, terms, expansion, unknown, visible) -> bool:
    """Whether the query's known words (and synonyms) are in fewer than FEW visible documents."""
    stems = {stem(w) for w in unknown}
    known = [t for t in [*terms, *expansion.terms] if t not in stems]
    found = np.zeros(view.size, dtype=bool)
    for field_name in schema.FIELD_BOOSTS:
        found |= view.containing(field_name, known)
    return int(np.count_nonzero(found & visible)) < FEW
