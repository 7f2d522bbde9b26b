"""The vector space tickets are mined in: what a ticket is about as a unit vector.

Words are stemmed by their own script (Russian or English, indexer/analysis.py), so both
languages share one run; weighted by sublinear TF-IDF; reduced by LSA (truncated SVD), which
lets "refund" and "money back" meet through the tickets that use both. Character n-grams were
measured too and lost on every evaluation set once LSA was on (bench/RESULTS.md).

The fitted space and the vectors of the tickets already seen are kept in a file (`Space.save`):
a derived cache like the search index, so an incremental run embeds only the new tickets.
Saved with numpy only (no pickle), so a cache file cannot run code.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer

from indexer.analysis import WORD_RE, index_term

# LSA dimensions; 100 measured best of 64/100/128 (bench/RESULTS.md).
DIMENSIONS = 100
# Terms kept (by frequency); bounds the cache and the SVD's cost at 100,000 tickets.
MAX_TERMS = 60_000
LONGEST_TERM = 40

_QUOTE_HEADER = re.compile(
    r"^\s*(On .{0,200} wrote:|.{0,200} (пишет|написал\(а\)|написал):|-----\s*Original Message)",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(r"^(-- ?|__+|С уважением,?|Best regards,?|Regards,?)\s*$", re.MULTILINE)


def problem_text(subject: str, body: str) -> str:
    """The subject and the body without quoted mail and signatures (noise for grouping)."""
    if match := _QUOTE_HEADER.search(body):
        body = body[: match.start()]
    if match := _SIGNATURE.search(body):
        body = body[: match.start()]
    lines = [line for line in body.splitlines() if not line.lstrip().startswith(">")]
    body = "\n".join(lines).strip()
    if body.startswith(subject):  # a body that repeats the subject would count it twice
        body = body[len(subject) :].strip()
    return f"{subject}\n{body}".strip()


def terms(text: str) -> list[str]:
    """Stemmed words without stop words (the indexer's analysis)."""
    out = []
    for word in WORD_RE.findall(text):
        term = index_term(word)
        if term and len(term) <= LONGEST_TERM:
            out.append(term)
    return out


def language(text: str) -> str:
    """ "ru" when Cyrillic letters outnumber Latin ones, else "en"."""
    cyrillic = len(re.findall(r"[а-яё]", text, re.IGNORECASE))
    latin = len(re.findall(r"[a-z]", text, re.IGNORECASE))
    return "ru" if cyrillic > latin else "en"


@dataclass
class Space:
    vocabulary: np.ndarray  # terms, in column order
    idf: np.ndarray
    components: np.ndarray  # LSA axes (dimensions × terms); empty: no reduction
    # Made on first use: building the term lookup costs about as much as embedding 500 texts.
    _counter: CountVectorizer | None = field(default=None, init=False, repr=False)

    @classmethod
    def fit(cls, texts: list[str]) -> tuple["Space", np.ndarray]:
        """Fit the space on these texts; their unit vectors."""
        counts_of = CountVectorizer(analyzer=terms, max_features=MAX_TERMS, dtype=np.float32)
        counts = counts_of.fit_transform(texts)
        vocabulary = np.array(counts_of.get_feature_names_out(), dtype=str)
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        weighted = _weigh(counts, idf)
        k = min(DIMENSIONS, weighted.shape[0] - 1, weighted.shape[1] - 1)
        if k < 2:
            space = cls(vocabulary, idf, np.zeros((0, len(vocabulary)), np.float32))
            return space, _unit(weighted.toarray())
        svd = TruncatedSVD(k, random_state=0).fit(weighted)
        space = cls(vocabulary, idf, svd.components_.astype(np.float32))
        return space, _unit(np.asarray(weighted @ space.components.T))

    def transform(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of texts in this space; words it has not seen count for nothing."""
        if self._counter is None:
            lookup = {str(t): i for i, t in enumerate(self.vocabulary)}
            self._counter = CountVectorizer(analyzer=terms, vocabulary=lookup)
        weighted = _weigh(self._counter.transform(texts).astype(np.float32), self.idf)
        if len(self.components) == 0:
            return _unit(weighted.toarray())
        return _unit(np.asarray(weighted @ self.components.T))

    def save(self, path: Path, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Keep the space and the vectors of tickets `ids`; written aside, then swapped in."""
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_suffix(".tmp.npz")
        np.savez(
            aside,
            vocabulary=self.vocabulary,
            idf=self.idf,
            components=self.components,
            ids=ids.astype(np.int64),
            vectors=vectors.astype(np.float32),
        )
        aside.replace(path)

    @classmethod
    def load(cls, path: Path) -> tuple["Space", np.ndarray, np.ndarray] | None:
        """The space, ticket ids and vectors saved at `path`, or None without a usable file."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                space = cls(saved["vocabulary"], saved["idf"], saved["components"])
                return space, saved["ids"], saved["vectors"]
        except (OSError, ValueError, KeyError):
            return None


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF-IDF, each row of unit length."""
    counts = counts.tocsr(copy=True)
    counts.data = 1.0 + np.log(counts.data)
    weighted = counts @ sparse.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    return sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ weighted


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
