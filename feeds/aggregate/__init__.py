"""Aggregation: other instances' and members' feeds become jobs and members here.

One module per pipeline stage: fetch (HTTP only, through core.outbound) -> parse (bytes to
the neutral entries of parsed) -> importer (entries to jobs, one transaction per feed) ->
schedule (when to come back); passes claims due subscriptions and runs the stages. discovery
finds a feed a page announces, sanitize cleans every imported string, subscriptions adds
feeds, admin_pages and admin_api let administrators manage them. events is how aggregation
tells others what happened (a feed names a hub, a subscription was paused or removed)
without importing them. May import core, jobs, directory and feeds.schema_fields/models;
never publish or websub (tests/test_package_dependencies.py checks).
"""
