"""python -m app: the same as the arbiter command."""

from app.cli import main

raise SystemExit(main())
