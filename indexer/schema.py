"""The index schema: field names as constants, each with the reason it exists."""

from whoosh import columns, fields

from indexer.analysis import CodeAnalyzer, MixedLanguageAnalyzer, PairAnalyzer

# The article's import id: the unique key for upserts and deletes, and what hits return.
# Also a column, so a translation named on a hit costs ~1 µs to read, not a whole stored
# document (~11 µs with its body text on a quiet machine, 190 µs under load).
ID = "id"
# Title words, stemmed; searched with a boost because a title states what the article is about.
TITLE = "title"
# Body words, stemmed; the bulk of the matching text.
BODY = "body"
# Tags, stemmed; editors' keywords, matched like a title word but weighed less.
TAGS = "tags"
# Title words, folded but not stemmed, stop words kept: type-ahead completes what the user is
# literally typing, and a query of stop words only is searched here.
TITLE_WORDS = "title_words"
# Joined forms of product and model codes in title, body and products (LP-2040 -> lp2040),
# so a code matches however it is written (see analysis.code_variants).
CODES = "codes"
# Neighbouring word pairs of title and body ("област печат"): scored with the query's own pairs,
# so articles where the query's words stand together rank above those where they are scattered.
PAIRS = "pairs"
# Article language, stored and faceted.
LANGUAGE = "language"
# Product codes with their ancestor families: filter, facet, and shown on hits.
PRODUCTS = "products"
# Category slug: filter and facet.
CATEGORY = "category"
# The translation group (an article and its version in the other language share it): a
# search shows one article of a group (indexer.translations), so none appears twice. A
# column, read whole for each index state (postings.value_codes).
TRANSLATION = "translation"
# Access groups: the viewer filter applied inside every search, so nothing invisible counts.
GROUPS = "groups"
# Last change time (ISO 8601, UTC), stored for display; nothing searches or sorts by it.
UPDATED_AT = "updated_at"
# "article" or "meta": the reserved document that records the outbox position in the same
# commit as the documents it covers.
KIND = "kind"
# The outbox position, present only on the meta document.
POSITION = "position"
# Stored plain text of the body, for snippets (cut and marked by search.snippets).
BODY_TEXT = "body_text"

ARTICLE = "article"
META = "meta"
# A key no import id can take (ids are printable); the meta document lives under it.
META_ID = "\x00meta"

# Score weights of the searched fields; tuned on bench/relevance.py, the same for all sets.
FIELD_BOOSTS = {TITLE: 1.5, BODY: 1.0, TAGS: 1.0}
# The weight of the joined code forms, scored with the query's own code forms.
CODE_BOOST = 1.0
# The weight of the word pairs, against a single word's 1.0.
PAIR_BOOST = 0.5


class ValueColumn(columns.VarBytesColumn):
    """Whoosh's column of strings, equal to another of the same settings.

    Whoosh's own column types compare by identity, so an index's stored schema would never
    equal a freshly built one, and every start would count the index as new (SearchIndex).
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash(type(self))


def build_schema() -> fields.Schema:
    """The schema every generation of the index is written with.

    An index written with another schema (an older release's) counts as new and is rebuilt
    (SearchIndex.is_new), so a change here needs no manual reindex.
    """
    stemmed = MixedLanguageAnalyzer()
    return fields.Schema(
        **{
            ID: fields.ID(stored=True, unique=True, sortable=ValueColumn()),
            TITLE: fields.TEXT(analyzer=stemmed, stored=True),
            BODY: fields.TEXT(analyzer=stemmed),
            TAGS: fields.TEXT(analyzer=stemmed, phrase=False),
            TITLE_WORDS: fields.TEXT(
                analyzer=MixedLanguageAnalyzer(stemming=False, stops=True), phrase=False
            ),
            CODES: fields.TEXT(analyzer=CodeAnalyzer(), phrase=False),
            PAIRS: fields.TEXT(analyzer=PairAnalyzer(), phrase=False),
            LANGUAGE: fields.ID(stored=True),
            PRODUCTS: fields.KEYWORD(stored=True, commas=True),
            CATEGORY: fields.ID(stored=True),
            TRANSLATION: fields.ID(sortable=ValueColumn()),
            GROUPS: fields.KEYWORD(commas=True),
            UPDATED_AT: fields.STORED(),
            KIND: fields.ID(),
            POSITION: fields.STORED(),
            BODY_TEXT: fields.STORED(),
        }
    )
