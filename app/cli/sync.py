"""`arbiter sync` and `arbiter hub ...`: sync a profile with its hub, set a hub up, add people to it.

Exit codes: 0 done, 2 usage or a hub that is not initialised, 3 the hub cannot be reached (local work is
kept and goes up with the next sync).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from app.i18n import _

UNREACHABLE = 3


def _queues(args: argparse.Namespace, settings: Any) -> tuple[str, ...] | None:
    from app.settings import sync_queue_slugs

    if args.queue:
        return tuple(sorted(set(args.queue)))
    return sync_queue_slugs(settings)


def _engine_with_login(url: Any) -> Any:
    """The hub engine; asks once for a password when the server wants one and a person is there to type it."""
    from sqlalchemy.exc import OperationalError

    from app.services.sync.connection import hub_engine, store_password

    engine = hub_engine(url)
    if url.get_backend_name() == "sqlite" or not sys.stdin.isatty():
        return engine
    try:
        with engine.connect():
            return engine
    except OperationalError as error:
        if "password" not in str(error.orig).lower():
            return engine
    secret = getpass.getpass(_("Password for %(user)s on the hub: ") % {"user": url.username or ""})
    engine = hub_engine(url, password=secret)
    with engine.connect():
        pass
    store_password(url, secret)
    return engine


def cmd_sync(args: argparse.Namespace) -> int:
    from app.services.profile import ensure_reviewer, open_profile, read_settings, write_setting
    from app.services.sync.connection import HubUrlError, parse_hub_url, remember
    from app.services.sync.engine import HubNotReady, HubUnreachable, sync

    profile = open_profile(args.data_dir, args.profile)
    settings = profile.store.read(read_settings)
    if args.status:
        return _print_status(profile)
    raw = args.hub or settings.hub_url
    if not raw:
        print(_("arbiter sync: no hub yet; give it once with --hub URL"), file=sys.stderr)
        return 2
    try:
        url = parse_hub_url(raw)
        if args.hub:
            saved = remember(args.hub)  # a password in the URL goes to the keyring, never to the profile
            profile.store.write(lambda s: write_setting(s, "hub_url", saved))
    except HubUrlError as error:
        print(f"arbiter sync: {error}", file=sys.stderr)
        return 2
    reviewer_id = profile.store.write(ensure_reviewer)
    from app.services.sync.connection import display_url

    label = display_url(url)
    try:
        engine = _engine_with_login(url)
        report = sync(
            profile.engine,
            engine,
            reviewer_id=reviewer_id,
            queues=_queues(args, settings),
            batch_size=args.batch_size,
            progress=_progress if args.verbose else None,
        )
    except HubUnreachable as error:
        pending = _pending(profile)
        print(
            _(
                "arbiter sync: the hub %(hub)s cannot be reached (%(error)s); "
                "%(count)s change(s) stay safe here and go up with the next sync."
            )
            % {"hub": label, "error": error, "count": pending},
            file=sys.stderr,
        )
        return UNREACHABLE
    except HubNotReady as error:
        print(f"arbiter sync: {label}: {error}", file=sys.stderr)
        return 2
    print(
        _(
            "synced with %(hub)s: pushed %(pushed)s, pulled %(pulled)s, conflicts %(conflicts)s, rejected %(rejected)s"
        )
        % {
            "hub": label,
            "pushed": report.pushed,
            "pulled": report.pulled,
            "conflicts": report.conflicts,
            "rejected": report.rejections,
        }
    )
    if report.duplicates:
        print(
            _("%(count)s change(s) were already on the hub (a retried push)") % {"count": report.duplicates}
        )
    for claim in report.claims:
        print(_("claim of %(ref)s: %(status)s") % {"ref": claim.external_ref, "status": claim.status})
    if report.pending:
        print(_("%(count)s change(s) still waiting to go up") % {"count": report.pending})
    return 0


def _progress(progress: Any) -> None:
    total = f"/{progress.total}" if progress.total else ""
    print(f"  {progress.phase} {progress.done}{total}", file=sys.stderr, flush=True)


def _pending(profile: Any) -> int:
    from app.services.sync.local_state import pending_count

    return int(profile.store.read(pending_count))


def _print_status(profile: Any) -> int:
    from app.services.sync.conflicts import list_rejections, status

    state = profile.store.read(status)
    print(
        _("pending %(pending)s, open conflicts %(conflicts)s, rejected %(rejected)s, last sync %(when)s")
        % {
            "pending": state.pending,
            "conflicts": state.open_conflicts,
            "rejected": state.rejections,
            "when": state.last_sync_at.isoformat() if state.last_sync_at else _("never"),
        }
    )
    if state.last_error:
        print(_("last error: %(error)s") % {"error": state.last_error})
    for rejection in profile.store.read(list_rejections):
        print(
            f"  #{rejection.seq} {rejection.op} {rejection.entity} {rejection.entity_id}: {rejection.reason}"
        )
    return 0


def cmd_hub_init(args: argparse.Namespace) -> int:
    from app.services.sync.connection import HubUrlError, display_url, parse_hub_url
    from app.services.sync.hub_admin import init_hub

    try:
        url = parse_hub_url(args.url)
        report = init_hub(_engine_with_login(url), prefix=args.role_prefix)
    except (HubUrlError, ValueError) as error:
        print(f"arbiter hub init: {error}", file=sys.stderr)
        return 2
    if not report.changes:
        print(_("hub %(hub)s is up to date") % {"hub": display_url(url)})
    for change in report.changes:
        print(f"  + {change}")
    return 0


def cmd_hub_add_user(args: argparse.Namespace) -> int:
    from app.services.profile import open_profile, read_settings
    from app.services.sync.connection import HubUrlError, parse_hub_url
    from app.services.sync.hub_admin import add_user

    raw = args.hub or open_profile(args.data_dir, args.profile).store.read(read_settings).hub_url
    if not raw:
        print(_("arbiter hub add-user: which hub? give --hub URL"), file=sys.stderr)
        return 2
    password = None
    if args.password:
        password = getpass.getpass(_("New password for %(name)s: ") % {"name": args.name})
        if password != getpass.getpass(_("Again: ")):
            print(_("arbiter hub add-user: the passwords differ"), file=sys.stderr)
            return 2
    try:
        report = add_user(
            _engine_with_login(parse_hub_url(raw)),
            args.name,
            args.role,
            password=password,
            display_name=args.display_name,
        )
    except (HubUrlError, ValueError) as error:
        print(f"arbiter hub add-user: {error}", file=sys.stderr)
        return 2
    if not report.changes:
        print(_("%(name)s is already on the hub as %(role)s") % {"name": args.name, "role": args.role})
    for change in report.changes:
        print(f"  + {change}")
    return 0


def register(subparsers: Any) -> None:
    sync = subparsers.add_parser("sync", help="push this profile's changes to its hub and pull the team's")
    sync.add_argument("--hub", default=None, help="hub URL (remembered by the profile once given)")
    sync.add_argument("--queue", action="append", default=None, help="pull only this queue (repeatable)")
    sync.add_argument("--batch-size", type=int, default=500, help="outbox entries per push transaction")
    sync.add_argument(
        "--status", action="store_true", help="show what waits, conflicts and refusals; no sync"
    )
    sync.add_argument("--verbose", "-v", action="store_true", help="report progress on standard error")
    sync.set_defaults(func=cmd_sync)

    hub = subparsers.add_parser("hub", help="set up a team hub").add_subparsers(
        title="hub commands", metavar="COMMAND", required=True
    )
    init = hub.add_parser("init", help="create or upgrade the hub schema, roles and grants (idempotent)")
    init.add_argument("url", help="postgresql://user@host/db (or a SQLite file for one machine)")
    init.add_argument(
        "--role-prefix", default="arbiter_", help="prefix of the group roles (default arbiter_)"
    )
    init.set_defaults(func=cmd_hub_init)

    add = hub.add_parser("add-user", help="add a login role in a group, and its reviewer (idempotent)")
    add.add_argument("name", help="login name; also the person's reviewer handle")
    add.add_argument("--role", required=True, choices=("specialist", "lead", "qa", "admin"))
    add.add_argument("--hub", default=None, help="hub URL (default: the profile's hub)")
    add.add_argument("--display-name", default="", help="the person's name as shown (default: the login)")
    add.add_argument(
        "--password", action="store_true", help="ask for a password (else: certificate/peer auth)"
    )
    add.set_defaults(func=cmd_hub_add_user)
