"""Member organizations, accounts, roles, API tokens and the membership workflow."""
