"""Service contracts and working calendars: the terms per priority an organisation is owed,
the business hours they are counted in, and the deadlines they give tickets (with the pure
rules of `tickets/sla.py`).

May import from `tickets` (models, events, sla) and `kb_service`.
"""
