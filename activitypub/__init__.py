"""ActivityPub: the network and each active member organization as fediverse actors.

Holds actors and their keys, WebFinger and NodeInfo discovery, the inboxes (Follow and
Undo, with HTTP signatures verified), the outbox and followers collections, the Notes that
carry jobs, and the durable delivery queue that sends Create/Update/Delete to followers.

May import jobs, directory and core; nothing imports this package except app.py (jobs and
directory learn nothing of it: deliveries are derived from the jobs data in the database).
"""
