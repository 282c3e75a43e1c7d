"""Publishing: this instance's feeds from its data. catalog finds a feed from its URL,
job_feed decides what a job feed holds whatever the format, atom_rss and json_feed write
it, directory_feed writes the member directory (Atom and OPML), rendered_cache keeps
rendered documents per application and answers with HTTP validators. May import core, jobs,
directory and feeds.schema_fields; never aggregate or websub."""
