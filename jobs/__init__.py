"""Job postings: model, lifecycle, search, pages and API."""
