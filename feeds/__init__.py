"""Publishing (Atom, RSS, JSON Feed, OPML), aggregation (fetch -> parse -> import) and WebSub."""
