"""Outgoing e-mail: the durable outbox table, building messages (multipart text + HTML,
Message-ID, Date, List-Unsubscribe) and delivering them through SMTP with leases and
back-off. mail imports only core; packages that send mail (directory, alerts) enqueue into
the outbox inside their own transactions."""
