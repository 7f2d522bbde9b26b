"""From what a user typed to weighted query terms and required phrases, never failing.

Whoosh's query parser is not used: its syntax (AND, NOT, field:, wildcards, brackets) would
turn a pasted error message into a syntax error or a surprising query. The only syntax kept is
"quoted phrases"; everything else is words, OR-ed, so a whole bug report still ranks by any of
its words.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from whoosh import query as q

from indexer import schema
from indexer.analysis import WORD_RE, fold, is_indexed_word, stem, word_pairs

# Queries beyond this are pasted logs; the rest adds time, not relevance.
MAX_QUERY_CHARS = 4_000
MAX_TERMS = 128
# Longer queries are pasted text, whose quotes are not phrase searches (see required_query).
MAX_PHRASE_QUERY_WORDS = 12
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\s]+")
_PHRASE_RE = re.compile(r'"([^"]*)"')
# A query of this many words or more reads as a sentence (a pasted report) whatever it ends with.
SENTENCE_WORDS = 12
SEARCHED_FIELDS = (schema.TITLE, schema.BODY, schema.TAGS)


def normalise_query(query: str) -> str:
    """Lower-cased, ё folded to е, control characters and runs of whitespace made one space."""
    return _CONTROL_RE.sub(" ", fold(query[:MAX_QUERY_CHARS])).strip()


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  # every folded word, phrases' too, stop words included
    phrases: tuple[tuple[str, ...], ...]  # folded words of each quoted phrase
    # Written as a sentence (a question, a report) rather than as keywords: a question mark,
    # a full stop at the end, or SENTENCE_WORDS words or more. Scored differently (scoring).
    sentence: bool = False

    @property
    def stems(self) -> set[str]:
        return {stem(w) for w in self.words if is_indexed_word(w)}


def parse(query: str) -> ParsedQuery:
    """Quoted phrases and loose words; an unbalanced quote is just a word separator."""
    text = normalise_query(query)
    phrases = tuple(tuple(WORD_RE.findall(m)) for m in _PHRASE_RE.findall(text))
    loose = _PHRASE_RE.sub(" ", text)
    words = tuple(WORD_RE.findall(loose)) + tuple(w for p in phrases for w in p)
    sentence = "?" in text or text.endswith((".", "!")) or len(words) >= SENTENCE_WORDS
    return ParsedQuery(words=words, phrases=tuple(p for p in phrases if p), sentence=sentence)


def weighted_terms(parsed: ParsedQuery) -> dict[str, float]:
    """Query terms and their weights: any word may match; a repeated word weighs more."""
    counts = Counter(stem(w) for w in parsed.words if is_indexed_word(w))
    return {term: 1.0 + math.log(count) for term, count in counts.most_common(MAX_TERMS)}


# Pairs are the proximity of words people type together; a pasted report's pairs are noise.
MAX_PAIR_QUERY_WORDS = 8


def query_pairs(parsed: ParsedQuery) -> dict[str, float]:
    """The query's neighbouring word pairs (see analysis.word_pairs), each weighing 1."""
    if len(parsed.words) > MAX_PAIR_QUERY_WORDS:
        return {}
    return dict.fromkeys(word_pairs(" ".join(parsed.words))[:MAX_TERMS], 1.0)


def _phrase_query(words: tuple[str, ...]) -> q.Query | None:
    kept = [(i, stem(w)) for i, w in enumerate(words) if is_indexed_word(w)]
    if not kept:
        return None
    stems = [s for _i, s in kept]
    if len(kept) == 1:
        return q.Or([q.Term(field, stems[0]) for field in SEARCHED_FIELDS])
    # Stop words leave gaps in the indexed positions; allow exactly those gaps.
    slop = 1 + max(b[0] - a[0] - 1 for a, b in zip(kept, kept[1:], strict=False))
    return q.Or([q.Phrase(schema.TITLE, stems, slop=slop), q.Phrase(schema.BODY, stems, slop=slop)])


def required_query(parsed: ParsedQuery) -> q.Query | None:
    """What every hit must match: all the quoted phrases (None when there are none).

    Only for queries people type: a pasted bug report quotes messages and paths in passing,
    and requiring each of them would leave nothing to rank (gitbugs_dups nDCG 0.67 -> 0.52).
    """
    if len(parsed.words) > MAX_PHRASE_QUERY_WORDS:
        return None
    phrases = [p for p in (_phrase_query(words) for words in parsed.phrases) if p is not None]
    if not phrases:
        return None
    return q.And(phrases) if len(phrases) > 1 else phrases[0]
