"""Search over the KB: feeding the index from the outbox, the search API, search events."""
