"""Cross-cutting pieces every domain package uses: settings, database set-up, templating,
translations, the rules for parameter values (validation), pagination, the version string,
security helpers, web plumbing and outbound HTTP.
core imports no domain package (directory, jobs, feeds)."""
