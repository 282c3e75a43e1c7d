"""Job postings: model, lifecycle, pages, API and search (jobs.search). jobs imports core,
mail (a change queues its e-mail in its own transaction) and directory, never feeds."""
