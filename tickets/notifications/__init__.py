"""Notifications: e-mail to clients and staff about their tickets, planned from the outbox.

`planner` reads the desk's outbox events and writes one `Notification` row per recipient
(exactly once: the rows and the consumer's position commit together); `sender` delivers the
rows over SMTP, or into the mail folder when no server is set; `links` signs the links that
let a requester without an account read and answer their ticket. Imports `kb_service` only.
"""
