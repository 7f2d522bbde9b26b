"""The staff console: the desk's queues, the ticket page, tickets for callers, the overview."""
