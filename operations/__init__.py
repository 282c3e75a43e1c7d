"""Running an instance: backups and restores (operations.backup) and the export and import
of a network's data (operations.transfer).

It may import every other package; nothing imports it but cli.py and app.py."""
