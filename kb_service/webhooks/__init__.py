"""Webhooks: administrators register URLs that are told of the desk's and the knowledge
base's events, signed with a secret of each webhook.

`models.py` the webhooks and their deliveries; `service.py` registering them (with the
refusal of URLs that reach inside the network); `events.py` which outbox events become which
public events, and what their bodies say; `delivery.py` the planner (an outbox consumer) and
the sender (claims, signature, retries); `api.py` the administrators' API.
"""
