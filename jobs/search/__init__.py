"""Job search: parameters (params), the SQL that answers them on both databases (engine),
the per-process cache of results (cache) and the search-text columns kept in step with
every save (index); routes serves /jobs and /api/jobs. May import core, directory and
the rest of jobs; nothing outside jobs is imported here."""
