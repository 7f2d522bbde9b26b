"""A search library over Whoosh: Russian and English analysis, the schema, the single write
path and access-filtered searching. It knows nothing of HTTP or of the database: it takes
documents and queries.

Imports nothing from the other Spravka packages. Whoosh is imported only here.
"""
