"""Member organizations, accounts, roles, API tokens and the membership workflow, with
their pages and API. directory imports only core; other packages extend its pages through
directory.sections."""
