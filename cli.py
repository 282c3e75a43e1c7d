"""The `amicus` command: serve, migrate, demo, reindex, create-admin, check, fetch, peers,
mail, activitypub, backup, restore, export, import."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.database import (
    SchemaTooNew,
    apply_migrations,
    close_database,
    database_problem,
    open_database,
)
from core.settings import Settings


def _settings_or_exit() -> Settings:
    settings = Settings.from_env()
    problems = settings.problems()
    if problems:
        print("Amicus refuses to start:", *[f"- {p}" for p in problems], sep="\n", file=sys.stderr)
        raise SystemExit(2)
    return settings


async def _with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    await open_database(settings.database_url)
    try:
        return await work()
    finally:
        await close_database()


def command_migrate(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    asyncio.run(apply_migrations(settings.database_url))
    print("The database schema is up to date.")
    return 0


def command_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings_or_exit()
    asyncio.run(apply_migrations(settings.database_url))
    uvicorn.run(
        "app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        # The app logs each request as a JSON line naming the route; uvicorn's access log
        # would add the full path, which can carry invitation and reset tokens.
        access_log=False,
    )
    return 0


def command_demo(args: argparse.Namespace) -> int:
    from directory.demo import create_demo_accounts, load_demo_directory
    from jobs.demo import load_demo_jobs

    settings = _settings_or_exit()
    if settings.is_production:
        print("amicus demo refuses to run with AMICUS_ENV=production.", file=sys.stderr)
        return 2
    asyncio.run(apply_migrations(settings.database_url))

    async def load() -> int:
        organizations = await load_demo_directory(settings)
        jobs = await load_demo_jobs(settings)
        print(f"Demo data loaded: {organizations} organizations, {jobs} job openings.")
        for email, password in await create_demo_accounts(settings):
            print(f"Demo account: {email} password {password} (shown only now)")
        return 0

    return asyncio.run(_with_database(settings, load))


def command_reindex(args: argparse.Namespace) -> int:
    from jobs.search.fulltext import SearchIndexes

    settings = _settings_or_exit()
    asyncio.run(apply_migrations(settings.database_url))

    async def rebuild() -> int:
        # No app here: the command opens its own index of the database.
        indexes = SearchIndexes(settings.index_dir)
        print(f"Search index rebuilt: {await indexes.reindex()} jobs.")
        return 0

    return asyncio.run(_with_database(settings, rebuild))


def command_create_admin(args: argparse.Namespace) -> int:
    from core.validation import ValidationError
    from directory.accounts import create_admin

    settings = _settings_or_exit()
    password = os.environ.get("AMICUS_ADMIN_PASSWORD") if args.password_from_env else None
    if password is None and not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("The passwords differ.", file=sys.stderr)
            return 1
    asyncio.run(apply_migrations(settings.database_url))

    async def create() -> int:
        try:
            account = await create_admin(args.email, password, args.name or args.email)
        except ValidationError as error:
            for field, message in error.errors.items():
                print(f"{field}: {message}", file=sys.stderr)
            return 1
        print(f"Administrator {account.email} created in {database_description(settings)}.")
        return 0

    return asyncio.run(_with_database(settings, create))


def database_description(settings: Settings) -> str:
    """Which database a command wrote to: a relative SQLite path depends on the folder the
    command ran in, so it is shown absolute; a server URL is shown without its password."""
    url = settings.database_url
    if settings.uses_sqlite:
        return "SQLite " + str(Path(url.split("://", 1)[1]).resolve())
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{parts.hostname or ''}{port}{parts.path}"


def command_check(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    problems = settings.problems()

    async def probe() -> str | None:
        try:
            await open_database(settings.database_url)
        except Exception as error:  # what the driver says is what the operator needs to read
            return f"{type(error).__name__}: {error}"
        try:
            return await database_problem()
        finally:
            await close_database()

    if not any("DATABASE_URL" in problem for problem in problems):
        problem = asyncio.run(probe())
        if problem:
            problems.append(f"The database at AMICUS_DATABASE_URL does not answer: {problem}")
    if problems:
        print("Problems found:", *[f"- {p}" for p in problems], sep="\n")
        return 1
    print(f"Settings are valid ({settings.env}); the database answers.")
    return 0


def _run_event_loop(main: Coroutine[Any, Any, int]) -> int:
    """uvloop when installed (uvicorn[standard] brings it, and the server runs on it): a pass
    spends most of its CPU in the event loop and HTTP, about 10-15% less there."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def command_fetch(args: argparse.Namespace) -> int:
    from feeds.aggregate.passes import run_pass
    from feeds.routes import FEED_EVENTS

    settings = _settings_or_exit()

    async def fetch() -> int:
        summary = await run_pass(
            settings, per_host=args.per_host, every=args.all, events=FEED_EVENTS
        )
        print(summary.text())
        return 0

    return _run_event_loop(_with_database(settings, fetch))


def command_peers_add(args: argparse.Namespace) -> int:
    from core.validation import ValidationError
    from feeds.aggregate.subscriptions import add_subscription
    from feeds.models import SubscriptionKind

    settings = _settings_or_exit()

    async def add() -> int:
        try:
            subscription = await add_subscription(
                settings,
                args.url,
                name=args.name,
                network=args.network,
                kind=SubscriptionKind(args.kind),
            )
        except ValidationError as error:
            for message in error.errors.values():
                print(message, file=sys.stderr)
            return 1
        print(f"Subscribed to {subscription.url} ({subscription.name or subscription.url}).")
        return 0

    return asyncio.run(_with_database(settings, add))


def command_peers_list(args: argparse.Namespace) -> int:
    from feeds.models import FeedSubscription

    settings = _settings_or_exit()

    async def show() -> int:
        for subscription in await FeedSubscription.all():
            status = subscription.last_status or "-"
            print(
                f"{subscription.id}\t{subscription.status}\t{subscription.kind}\t{status}\t"
                f"{subscription.url}\t{subscription.name}\t{subscription.last_error}"
            )
        return 0

    return asyncio.run(_with_database(settings, show))


def command_backup(args: argparse.Namespace) -> int:
    from operations.backup import OperationError, backup

    settings = _settings_or_exit()
    try:
        asyncio.run(backup(settings.database_url, args.file))
    except OperationError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Backup written to {args.file}.")
    return 0


def command_restore(args: argparse.Namespace) -> int:
    from operations.backup import OperationError, restore

    settings = _settings_or_exit()
    try:
        problems = asyncio.run(restore(settings.database_url, args.file))
    except OperationError as error:
        print(error, file=sys.stderr)
        return 1
    if problems:
        print("Restored, but the check found problems:", *problems, sep="\n- ", file=sys.stderr)
        return 1
    print(f"Restored {args.file}; the integrity check passed. Start with `amicus serve`.")
    return 0


def command_export(args: argparse.Namespace) -> int:
    from operations.backup import OperationError
    from operations.transfer import export

    settings = _settings_or_exit()

    async def write() -> int:
        if args.file == "-":
            count = await export(sys.stdout, with_password_hashes=args.with_password_hashes)
        else:
            with open(args.file, "w", encoding="utf-8") as out:  # noqa: ASYNC230 (one writer)
                count = await export(out, with_password_hashes=args.with_password_hashes)
        print(f"Exported {count} rows.", file=sys.stderr)
        return 0

    try:
        return asyncio.run(_with_database(settings, write))
    except OperationError as error:
        print(error, file=sys.stderr)
        return 1


def command_import(args: argparse.Namespace) -> int:
    from operations.backup import OperationError
    from operations.transfer import import_

    settings = _settings_or_exit()
    asyncio.run(apply_migrations(settings.database_url))

    async def read() -> int:
        with open(args.file, encoding="utf-8") as lines:  # noqa: ASYNC230 (streamed by line)
            count = await import_(lines)
        print(f"Imported {count} rows.")
        return 0

    try:
        return asyncio.run(_with_database(settings, read))
    except OperationError as error:
        print(error, file=sys.stderr)
        return 1


def command_mail_send(args: argparse.Namespace) -> int:
    from mail.delivery import send_due

    settings = _settings_or_exit()

    async def send() -> int:
        outcomes = await send_due(settings, limit=args.limit)
        print(", ".join(f"{state.value} {count}" for state, count in outcomes.items()))
        return 0

    return _run_event_loop(_with_database(settings, send))


def command_mail_status(args: argparse.Namespace) -> int:
    from mail.delivery import outbox_health

    settings = _settings_or_exit()

    async def show() -> int:
        print((await outbox_health(datetime.now(UTC))).summary())
        return 0

    return _run_event_loop(_with_database(settings, show))


def command_activitypub_deliver(args: argparse.Namespace) -> int:
    from activitypub.delivery import deliver_due
    from app import site_urls

    settings = _settings_or_exit()

    async def deliver() -> int:
        print(f"Attempted {await deliver_due(settings, site_urls(settings))} deliveries.")
        return 0

    return _run_event_loop(_with_database(settings, deliver))


def command_activitypub_rotate_key(args: argparse.Namespace) -> int:
    from activitypub.rotation import UnknownActor, rotate_key
    from app import site_urls

    settings = _settings_or_exit()

    async def rotate() -> int:
        try:
            queued = await rotate_key(args.actor, settings, site_urls(settings))
        except UnknownActor:
            print(f"There is no actor named {args.actor!r}.", file=sys.stderr)
            return 1
        print(f"New key for {args.actor}; its Update is queued for {queued} inboxes.")
        return 0

    return _run_event_loop(_with_database(settings, rotate))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amicus", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve the site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=command_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=command_migrate
    )
    commands.add_parser("demo", help="load the demo directory and jobs (idempotent)").set_defaults(
        handler=command_demo
    )

    commands.add_parser("reindex", help="rebuild the search index from the database").set_defaults(
        handler=command_reindex
    )
    admin = commands.add_parser("create-admin", help="create a network administrator")
    admin.add_argument("email")
    admin.add_argument("--name", default="")
    admin.add_argument(
        "--password-from-env",
        action="store_true",
        help="read the password from AMICUS_ADMIN_PASSWORD instead of prompting",
    )
    admin.set_defaults(handler=command_create_admin)

    commands.add_parser("check", help="verify settings and database connectivity").set_defaults(
        handler=command_check
    )

    fetch = commands.add_parser("fetch", help="fetch and import every due feed once, then exit")
    fetch.add_argument(
        "--per-host", type=int, help="fetches in flight per host (default AMICUS_FETCH_PER_HOST)"
    )
    fetch.add_argument(
        "--all", action="store_true", help="every active feed now, even if not yet due"
    )
    fetch.set_defaults(handler=command_fetch)

    backup = commands.add_parser("backup", help="write a consistent backup while the site runs")
    backup.add_argument("file", type=Path)
    backup.set_defaults(handler=command_backup)
    restore = commands.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=command_restore)

    export = commands.add_parser("export", help="write every row as versioned JSON Lines")
    export.add_argument("file", nargs="?", default="-", help="default: standard output")
    export.add_argument(
        "--with-password-hashes",
        action="store_true",
        help="keep account password hashes (left out by default)",
    )
    export.set_defaults(handler=command_export)
    load = commands.add_parser("import", help="load an export into an empty database")
    load.add_argument("file")
    load.set_defaults(handler=command_import)

    peers = commands.add_parser("peers", help="feed subscriptions (sister networks, members)")
    peer_commands = peers.add_subparsers(dest="peers_command", required=True)
    add = peer_commands.add_parser("add", help="subscribe to a feed, or to a page linking one")
    add.add_argument("url")
    add.add_argument("--name", default="")
    add.add_argument("--network", default="")
    add.add_argument("--kind", choices=("jobs", "directory"), default="jobs")
    add.set_defaults(handler=command_peers_add)
    peer_commands.add_parser("list", help="list subscriptions and their health").set_defaults(
        handler=command_peers_list
    )

    mail = commands.add_parser("mail", help="the e-mail outbox")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True)
    send = mail_commands.add_parser("send", help="deliver every e-mail that is due, then exit")
    send.add_argument("--limit", type=int, help="stop after this many messages")
    send.set_defaults(handler=command_mail_send)
    mail_commands.add_parser(
        "status", help="messages waiting, being retried, sent and failed"
    ).set_defaults(handler=command_mail_status)

    activitypub = commands.add_parser("activitypub", help="the fediverse actors and deliveries")
    activitypub_commands = activitypub.add_subparsers(dest="activitypub_command", required=True)
    activitypub_commands.add_parser(
        "deliver", help="send every ActivityPub delivery that is due, then exit"
    ).set_defaults(handler=command_activitypub_deliver)
    rotate = activitypub_commands.add_parser(
        "rotate-key", help="give an actor a new key pair and send its followers an Update"
    )
    rotate.add_argument("actor", help="the network's name or a member's slug")
    rotate.set_defaults(handler=command_activitypub_rotate_key)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SchemaTooNew as error:
        print(f"Amicus refuses to start: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
