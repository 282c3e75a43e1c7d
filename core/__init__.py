"""Cross-cutting pieces every domain package uses: settings, database set-up, templating,
translations, field validation, security helpers, web plumbing and outbound HTTP.
core imports no domain package (directory, jobs, feeds)."""
