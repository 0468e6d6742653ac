"""The arbiter command: the workstation, and everything it does from the command line.

Global options (--data-dir, --profile) come before the subcommand. Without a subcommand the window opens.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.services.profile import DEFAULT_PROFILE, Profile, ensure_reviewer, open_profile

DEMO_CASES = 200
EXTENSIONS = ("audit", "sync", "qa")


def _profile(args: argparse.Namespace) -> Profile:
    return open_profile(args.data_dir, args.profile)


def _seed_if_new_demo(profile: Profile) -> None:
    """The demo profile fills itself with demo cases the first time it opens; real profiles start empty."""
    from sqlalchemy import select

    from app.models import Case

    if profile.name != DEFAULT_PROFILE:
        return
    if profile.store.read(lambda s: s.scalar(select(Case.id).limit(1))) is not None:
        return
    # The demo data (and the corpora it reads) are imported only when there is something to seed.
    from app.services.demo import seed_demo
    from app.services.qa.demo import seed_qa_demo

    print(f"Preparing the demo profile with {DEMO_CASES} cases…", file=sys.stderr)
    profile.store.write(lambda s: seed_demo(s, DEMO_CASES, seed=1))
    profile.store.write(lambda s: seed_qa_demo(s, seed=1))


def cmd_gui(args: argparse.Namespace) -> int:
    from app.main import run

    profile = _profile(args)
    _seed_if_new_demo(profile)
    return run(profile, args.lang)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from app.services.demo import seed_demo

    profile = _profile(args)
    report = profile.store.write(lambda s: seed_demo(s, args.cases, seed=args.seed))
    print(
        f"seeded {report.cases} cases ({report.decided} decided, {report.resolved} resolved) into {profile.path}"
    )
    return 0


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"size must look like 1600x960, not {text!r}") from error
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise argparse.ArgumentTypeError("width and height must be between 200 and 8000 pixels")
    return width, height


def cmd_screenshot(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSize

    from app.main import screenshot

    profile = _profile(args)
    _seed_if_new_demo(profile)
    case_id = args.case or _first_open_case(profile)
    screenshot(profile, args.out, case_id=case_id, language=args.lang, size=QSize(*args.size), view=args.view)
    print(f"wrote {args.out}")
    return 0


def _first_open_case(profile: Profile) -> str | None:
    from app.services.dto import QueueFilter
    from app.services.queue_query import fetch_page

    rows = profile.store.read(lambda s: fetch_page(s, QueueFilter(), 1))
    return rows[0].id if rows else None


def cmd_import(args: argparse.Namespace) -> int:
    from app.models import Reviewer
    from app.services.intake import ImportRejected, import_jsonl
    from app.services.permissions import require

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"arbiter import: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    profile = _profile(args)
    actor_id = profile.store.write(ensure_reviewer)

    def work(session):  # type: ignore[no-untyped-def]
        actor = session.get(Reviewer, actor_id)
        require(actor.role, "import_cases")
        return import_jsonl(session, actor, data)

    try:
        count = profile.store.write(work)
    except ImportRejected as rejected:
        print(f"arbiter import: {args.file} was not imported; nothing was changed:", file=sys.stderr)
        for problem in rejected.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"imported {count} cases from {args.file}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from app.services.export import write

    profile = _profile(args)
    if args.output:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            count = profile.store.read(lambda s: write(s, args.what, args.format, out))
        print(f"exported {count} {args.what} to {args.output}", file=sys.stderr)
    else:
        profile.store.read(lambda s: write(s, args.what, args.format, sys.stdout))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="arbiter", description="Arbiter, the escalation specialist's workstation."
    )
    root.add_argument(
        "--data-dir", type=Path, default=None, help="where profiles live (default: the user data directory)"
    )
    root.add_argument(
        "--profile", default=DEFAULT_PROFILE, help="profile name (default: demo, seeded with demo cases)"
    )
    root.add_argument(
        "--lang", default=None, help="UI language code for this run (en, es, fr, de, pt, ja, hi, th, ko, ur)"
    )
    root.set_defaults(func=cmd_gui)
    sub = root.add_subparsers(title="commands", metavar="COMMAND")

    demo = sub.add_parser("demo", help="demo data").add_subparsers(
        title="demo commands", metavar="COMMAND", required=True
    )
    seed = demo.add_parser("seed", help="fill the profile with realistic demo cases")
    seed.add_argument("--cases", type=int, default=DEMO_CASES, help="how many cases (default 200)")
    seed.add_argument("--seed", type=int, default=1, help="random seed; the same seed builds the same data")
    seed.set_defaults(func=cmd_demo_seed)

    shot = sub.add_parser("screenshot", help="render the window offscreen to a PNG")
    shot.add_argument("out", type=Path, help="PNG file to write")
    shot.add_argument("--view", choices=("main", "help"), default="main")
    shot.add_argument("--case", default=None, help="case id to open (default: the first in the queue)")
    shot.add_argument("--lang", default=argparse.SUPPRESS, dest="lang", help="UI language code")
    shot.add_argument("--size", type=_size, default=(1600, 960), help="WIDTHxHEIGHT (default 1600x960)")
    shot.set_defaults(func=cmd_screenshot)

    intake = sub.add_parser("import", help="import cases from a JSON Lines file (all or nothing)")
    intake.add_argument("file", type=Path)
    intake.set_defaults(func=cmd_import)

    export = sub.add_parser("export", help="export cases or decisions")
    export.add_argument("what", choices=("cases", "decisions"))
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument(
        "--output", "-o", type=Path, default=None, help="file to write (default: standard output)"
    )
    export.set_defaults(func=cmd_export)

    for register in _extensions():
        register(sub)
    return root


def _extensions() -> list[Callable[[Any], None]]:
    """Command groups that live in their own modules (each has ``register(subparsers)``)."""
    from importlib import import_module

    registers = []
    for name in EXTENSIONS:
        try:
            module = import_module(f"app.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"app.cli.{name}":
                raise
            continue
        registers.append(module.register)
    return registers


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "lang", None):
        from app.i18n import set_language

        set_language(args.lang)  # command-line messages speak the chosen language too
    try:
        return int(args.func(args))
    except ValueError as error:
        print(f"arbiter: {error}", file=sys.stderr)
        return 2
