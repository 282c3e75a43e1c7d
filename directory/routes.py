"""Directory pages and API."""

routes: list = []
