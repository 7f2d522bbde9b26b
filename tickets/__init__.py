"""The service desk: tickets, workflow, SLA, escalation, intake, notifications, linking
tickets to articles, mining solved tickets, reports.

May import from `kb_service` and `indexer`.
"""
