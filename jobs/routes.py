"""Job pages and API."""

routes: list = []
