"""The core of Spravka: settings, database, accounts and access, articles, catalogue, outbox,
the HTTP API for the knowledge base, the app factory and the command line.

May import from `indexer` only (and `app.py`/`cli.py` assemble every package).
"""
