"""Sync with the team hub: hub set-up, push of the outbox, pull of the change feed, conflicts and rejections.

No Qt here; app.controllers.sync runs it in the background and app.cli.sync on the command line.
"""
