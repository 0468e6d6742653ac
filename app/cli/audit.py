"""arbiter audit: checking the tamper-evident audit trail."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.services.profile import open_profile


def cmd_verify(args: argparse.Namespace) -> int:
    from app.services.audit import verify_chain

    report = open_profile(args.data_dir, args.profile).store.read(verify_chain)
    if report.ok:
        print(f"audit trail intact: {report.events_checked} events verified")
        return 0
    print(f"audit trail broken at event #{report.broken_at_seq}: {report.problem}", file=sys.stderr)
    return 1


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        title="audit commands", metavar="COMMAND", required=True
    )
    verify = audit.add_parser(
        "verify", help="check the whole hash chain; non-zero exit at the first broken link"
    )
    verify.set_defaults(func=cmd_verify)
