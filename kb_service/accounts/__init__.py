"""People, organisations, roles, access groups, passwords and API tokens."""
