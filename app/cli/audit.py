"""arbiter audit: checkpoints of the tamper-evident audit trail, and checking it.

Exit status: 0 intact (or checkpoint written), 1 the trail is broken (or the anchor could not be written),
2 an anchor file that cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.i18n import _, ngettext
from app.services import audit
from app.services.profile import open_profile


def cmd_checkpoint(args: argparse.Namespace) -> int:
    profile = open_profile(args.data_dir, args.profile)
    point = profile.store.write(audit.write_checkpoint)
    values = {"checkpoint": point.seq, "seq": point.event_seq, "count": point.event_count}
    if point.signature:
        print(
            _("checkpoint #%(checkpoint)s: the trail up to event #%(seq)s (%(count)s events), signed")
            % values
        )
    else:
        print(
            _(
                "checkpoint #%(checkpoint)s: the trail up to event #%(seq)s (%(count)s events), unsigned: "
                "no system keyring is available"
            )
            % values
        )
    if args.anchor is None:
        return 0
    line = point.anchor_line(str(profile.path.resolve()))
    try:
        # One whole line per write, flushed to the disk: the anchor is the record that outlives this profile.
        with args.anchor.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        message = _("arbiter audit checkpoint: cannot append to %(file)s: %(error)s")
        print(message % {"file": args.anchor, "error": error.strerror}, file=sys.stderr)
        return 1
    print(
        _("appended to the anchor %(file)s; keep it where this workstation cannot change it")
        % {"file": args.anchor}
    )
    return 0


def _read_anchor(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else _("not UTF-8 text")
        message = _("arbiter audit verify: cannot read the anchor %(file)s: %(error)s")
        print(message % {"file": path, "error": reason}, file=sys.stderr)
        return None


def cmd_verify(args: argparse.Namespace) -> int:
    entries: list[audit.AnchorEntry] = []
    if args.anchor is not None:
        text = _read_anchor(args.anchor)
        if text is None:
            return 2
        entries, bad = audit.parse_anchor(text)
        if bad is not None:
            print(_("arbiter audit verify: %(problem)s") % {"problem": bad.translated()}, file=sys.stderr)
            return 2
    profile = open_profile(args.data_dir, args.profile)
    key = audit.signing_key(str(profile.path.resolve()), create=False)
    report = profile.store.read(lambda session: audit.verify_trail(session, key, entries))
    if report.broken is not None:
        print(_("audit trail broken: %(problem)s") % {"problem": report.broken.translated()}, file=sys.stderr)
        return 1
    _print_intact(report)
    return 0


def _print_intact(report: audit.TrailReport) -> None:
    n = report.events
    print(
        ngettext(
            "audit trail intact: %(count)s event verified", "audit trail intact: %(count)s events verified", n
        )
        % {"count": n}
    )
    n = report.checkpoints
    print(
        ngettext("%(count)s checkpoint matches the trail", "%(count)s checkpoints match the trail", n)
        % {"count": n}
    )
    if report.anchored:
        n = report.anchored
        print(
            ngettext(
                "%(count)s anchored checkpoint matches the trail",
                "%(count)s anchored checkpoints match the trail",
                n,
            )
            % {"count": n}
        )
    if report.key_status == audit.KEY:
        print(_("signatures checked with this profile's key from the system keyring"))
        if report.unsigned:
            n = report.unsigned
            print(
                ngettext(
                    "%(count)s checkpoint was made without the key (unsigned)",
                    "%(count)s checkpoints were made without the key (unsigned)",
                    n,
                )
                % {"count": n}
            )
    elif report.key_status == audit.NO_KEY:
        print(_("signatures not checked: the system keyring holds no key for this profile"))
    else:
        print(
            _("signatures not checked: no system keyring is available, so checkpoints made here are unsigned")
        )
    if report.uncovered:
        n = report.uncovered
        print(
            ngettext(
                "%(count)s event after the newest checkpoint is vouched for by the chain alone",
                "%(count)s events after the newest checkpoint are vouched for by the chain alone",
                n,
            )
            % {"count": n}
        )


def register(sub: Any) -> None:
    commands = sub.add_parser("audit", help="the audit trail").add_subparsers(
        title="audit commands", metavar="COMMAND", required=True
    )
    verify = commands.add_parser(
        "verify",
        help="check the whole hash chain, every checkpoint and signature; non-zero exit at the first broken link",
    )
    verify.add_argument(
        "--anchor",
        type=Path,
        default=None,
        metavar="FILE",
        help="also check the checkpoints kept in this anchor file",
    )
    verify.set_defaults(func=cmd_verify)
    checkpoint = commands.add_parser(
        "checkpoint", help="record a signed checkpoint of the trail as it is now"
    )
    checkpoint.add_argument(
        "--anchor",
        type=Path,
        default=None,
        metavar="FILE",
        help="also append the checkpoint as a JSON line to this file, kept away from this workstation",
    )
    checkpoint.set_defaults(func=cmd_checkpoint)
