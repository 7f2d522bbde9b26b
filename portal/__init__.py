"""The web UI: the public self-service portal and the staff console (Jinja2 and htmx).

Calls services from `tickets` and `kb_service`; never talks to Whoosh directly.
"""
