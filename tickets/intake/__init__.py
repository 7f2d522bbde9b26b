"""E-mail intake: messages from files, standard input or IMAP become tickets or replies.

parsing.py and decoding.py are pure (bytes in, values out); service.py files a parsed message
on the right ticket in the caller's transaction; imap.py polls mailboxes as a desk job; api.py
lets administrators see and retry the quarantine.
"""
