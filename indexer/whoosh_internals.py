"""Everything Spravka knows of Whoosh beyond its public API, in one place.

Whoosh (2.7.4, pinned) does: storage (segments, postings, stored fields, generations) and
phrase matching. Ours, in the rest of the package: scoring (BM25 in numpy), access and facet
filters, spelling, completion and snippets. Scoring needs whole postings lists as arrays,
and Whoosh hands them out one posting at a time in Python (a 1-3 word query matching half of
20,000 articles took 80-250 ms); this module reads its postings blocks directly instead.

That reading depends on Whoosh 2.7.4's private block format, so the surface it touches is
checked at import. When it differs (another Whoosh version), FAST_DECODE is off and postings
are read through Whoosh's public matcher: slower answers, never an AttributeError.
"""

import random
import threading
import warnings

import numpy as np
import whoosh
import whoosh.codec.base
import whoosh.multiproc
import whoosh.writing
from whoosh.codec import default_codec, whoosh3
from whoosh.codec.base import Codec
from whoosh.filedb import compound, structfile
from whoosh.matching import wrappers
from whoosh.reading import IndexReader

PINNED_VERSION = "2.7.4"
# Postings blocks 8x Whoosh's default: whole postings lists are decoded with numpy, where
# the per-block overhead dominates, and blocks are never skipped.
BLOCK_LIMIT = 1024
# W3LeafMatcher methods the fast decoder calls, and attributes those methods set.
_LEAF_METHODS = ("__init__", "_goto", "_read_data", "_next_block", "is_active")
_LEAF_ATTRIBUTES = {"_byteids", "_data"}


def _assigned_names(cls: type, methods: tuple[str, ...]) -> set[str]:
    # Instance attributes exist only on instances; the names the methods use stand in.
    names: set[str] = set()
    for method in methods:
        code = getattr(getattr(cls, method, None), "__code__", None)
        if code is None:
            return set()
        names.update(code.co_names)
    return names


def private_surface_ok() -> bool:
    """True when the installed Whoosh has the internals the fast decoder reads."""
    if whoosh.versionstring() != PINNED_VERSION:
        return False
    leaf = getattr(whoosh3, "W3LeafMatcher", None)
    wrapping = getattr(wrappers, "WrappingMatcher", None)
    if leaf is None or wrapping is None or not hasattr(wrappers, "FilterMatcher"):
        return False
    if not _assigned_names(leaf, _LEAF_METHODS) >= _LEAF_ATTRIBUTES:
        return False
    return "child" in _assigned_names(wrapping, ("__init__",))


# Whoosh names new segments and temporary files with the process-wide `random`. Anything that
# reseeds it (Hypothesis does, for every example) makes the next segment reuse an existing
# segment's name, and Whoosh then fails to commit (or overwrites a live segment's files). Names
# from the operating system's generator cannot be replayed.
_NAMES = random.SystemRandom()
_NAME_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _unreplayable_name(size: int = 28) -> str:
    return "".join(_NAMES.choice(_NAME_CHARS) for _ in range(size))


for _module in (whoosh.codec.base, whoosh.writing, whoosh.multiproc):
    if hasattr(_module, "random_name"):
        _module.random_name = _unreplayable_name


class _ViewFile:
    """A read-only file over a memoryview: what BytesIO does, without copying the view.

    Whoosh shares one postings file among all the threads of a searcher and seeks it before
    each read. BytesIO's C methods made seek-then-unpickle nearly atomic; these are Python,
    so each thread keeps its own position (a shared one served 1 in 5,000 type-ahead requests
    another thread's bytes under load).
    """

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._local = threading.local()

    @property
    def _pos(self) -> int:
        return getattr(self._local, "pos", 0)

    @_pos.setter
    def _pos(self, value: int) -> None:
        self._local.pos = value

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        self._pos = max(start, end)
        return bytes(self._buf[start:end])

    def readline(self, size: int = -1) -> bytes:
        rest = self.read(size)
        line, newline, _tail = rest.partition(b"\n")
        self._pos -= len(rest) - len(line) - len(newline)
        return line + newline

    def __iter__(self):
        return iter(self.readline, b"")

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the mmap belongs to the compound storage, which closes it


class _SharedBufferFile(structfile.BufferFile):
    """Whoosh's BufferFile, reading the compound segment's mmap in place.

    Whoosh 2.7.4 wraps each file of a compound segment in `BytesIO(buf)`, which copies it: at
    20,000 articles 110 MB of postings and columns per open searcher, private to each worker,
    and every page of the mmap touched (worker RSS 240 MB after opening one index).
    """

    def __init__(self, buf, name=None, onclose=None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _ViewFile(buf)


if compound.BufferFile is structfile.BufferFile:
    compound.BufferFile = _SharedBufferFile


# Tests switch this off to run the search suite on the public path.
FAST_DECODE = private_surface_ok()
if not FAST_DECODE:
    warnings.warn(
        f"Whoosh {whoosh.versionstring()} differs from {PINNED_VERSION}: postings are read "
        "through the public matcher, so searching is slower",
        RuntimeWarning,
        stacklevel=2,
    )


def codec() -> Codec:
    """The codec every writer uses: Whoosh's default with longer postings blocks."""
    return default_codec(blocklimit=BLOCK_LIMIT)


def segment_id(leaf: IndexReader) -> str | None:
    """The id of the segment an atomic reader reads (None for other readers).

    Unique only within one index folder: Whoosh draws it from the global ``random``.
    """
    segment = leaf.segment()
    return None if segment is None else segment.segment_id()


def leaf_postings(leaf: IndexReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and weights of a term in one segment; deleted documents may be
    included (the caller masks them, IndexView.alive)."""
    if (field, term) not in leaf:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    matcher = leaf.postings(field, term)
    if FAST_DECODE:
        # Deletions come wrapped in a FilterMatcher; the caller masks them, so skip it.
        inner = matcher.child if isinstance(matcher, wrappers.FilterMatcher) else matcher
        if isinstance(inner, whoosh3.W3LeafMatcher) and not inner._byteids:
            return _decode_blocks(inner)
    return _match_publicly(matcher)


def _decode_blocks(matcher: "whoosh3.W3LeafMatcher") -> tuple[np.ndarray, np.ndarray]:
    """Each block is a pickled (delta-coded ids, weights, values) tuple; decoding it with
    numpy instead of Whoosh's generators is ~10x faster.

    Reads every block from the start, even when the FilterMatcher around it has already
    stepped over leading deleted documents: a block is always decoded whole."""
    ids, weights = [], []
    while matcher.is_active():
        matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        block_ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64)).astype(np.int32)
        ids.append(block_ids)
        weights.append(_block_weights(raw_weights, len(block_ids)))
        matcher._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def _block_weights(raw: object, count: int) -> np.ndarray:
    # Whoosh stores None when every weight is 1 and one float when all are equal.
    if raw is None:
        return np.ones(count, dtype=np.float32)
    if isinstance(raw, float):
        return np.full(count, raw, dtype=np.float32)
    return np.asarray(raw, dtype=np.float32)


def _match_publicly(matcher) -> tuple[np.ndarray, np.ndarray]:
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)


def open_stored_fields(reader: IndexReader) -> None:
    """Open every segment's stored-fields column now.

    Whoosh opens it on first use (~13 ms a segment at 100k documents), which would otherwise
    land on the first query after a refresh.
    """
    for leaf, _offset in reader.leaf_readers():
        if leaf.doc_count_all():
            leaf.stored_fields(0)
