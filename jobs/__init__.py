"""Job postings: model, lifecycle, pages, API and search (jobs.search). jobs imports core
and directory, never feeds."""
