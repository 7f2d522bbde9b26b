"""The audit log: an append-only record of security-relevant actions (sign-ins, passwords,
roles and groups, article access, exports and backups, API tokens). Imports the core only."""
