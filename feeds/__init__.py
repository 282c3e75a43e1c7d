"""Feeds and federation, in three subsystems:

- publish/: this instance's feeds (Atom, RSS, JSON Feed, the directory feed, OPML), their
  catalog of URLs and the server-side cache of rendered documents with HTTP validators;
- aggregate/: importing other instances' and members' feeds, a pipeline of one module per
  stage (fetch -> parse -> importer -> schedule), orchestrated by passes, with discovery,
  sanitizing and the subscriptions administrators manage;
- websub/: the WebSub hub for our feeds and the subscriber for peers' hubs.

schema_fields is the one mapping of job fields to feed elements, shared by writers and
readers; models holds the state all processes share. feeds may import core, jobs and
directory; nothing imports feeds.
"""
