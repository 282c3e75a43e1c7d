"""Member organizations, accounts, roles, API tokens, the membership workflow and the
audit trail every package records to, with their pages and API. directory imports only core and mail (it queues its e-mail in its own transactions); other packages extend its pages through
directory.sections."""
