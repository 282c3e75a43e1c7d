"""Cross-cutting pieces every domain package uses: settings, database, web helpers."""
