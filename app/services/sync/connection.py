"""Reaching a hub: URLs as people write them, passwords from the OS keyring, engines for both kinds of hub.

``postgresql://user@host/db`` (or ``postgres://``) becomes the psycopg dialect; ``sqlite:///path`` or a bare
file path is a SQLite hub. Query parameters such as ``sslmode=verify-full&sslrootcert=/path/ca.pem`` pass
through to libpq unchanged, so TLS with certificate verification is a matter of the URL.

A password never lives in a file or a log: a URL that carries one is split, the password goes to the keyring
(service ``arbiter-hub``, account ``user@host:port/db``) and only the password-less URL is remembered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

KEYRING_SERVICE = "arbiter-hub"
log = logging.getLogger(__name__)


class HubUrlError(ValueError):
    pass


def parse_hub_url(raw: str) -> URL:
    """The SQLAlchemy URL for a hub written the way people write it."""
    raw = raw.strip()
    if not raw:
        raise HubUrlError("no hub URL given")
    if "://" not in raw:
        return make_url(f"sqlite:///{Path(raw).expanduser().resolve()}")
    try:
        url = make_url(raw)
    except ArgumentError as error:
        raise HubUrlError(f"not a hub URL: {raw!r}") from error
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url.set(drivername="sqlite")
    raise HubUrlError(f"a hub is PostgreSQL or a SQLite file, not {backend!r}")


def display_url(url: URL | str) -> str:
    """The URL without any password, as people wrote it (no driver name)."""
    parsed = parse_hub_url(url) if isinstance(url, str) else url
    plain = parsed.set(drivername=parsed.get_backend_name())._replace(password=None)
    return plain.render_as_string(hide_password=True)


def keyring_account(url: URL) -> str:
    return f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _keyring() -> Any | None:
    try:
        import keyring
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return keyring


def stored_password(url: URL) -> str | None:
    """The password the keyring holds for this hub account, or None (no keyring, or none stored)."""
    keyring = _keyring()
    if keyring is None or not url.username:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_account(url))  # type: ignore[no-any-return]
    except Exception as error:  # no backend on this machine, a locked keyring: connect without
        log.info("keyring unavailable: %s", type(error).__name__)
        return None


def store_password(url: URL, password: str) -> bool:
    keyring = _keyring()
    if keyring is None:
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_account(url), password)
    except Exception as error:
        log.warning("could not store the hub password in the keyring: %s", type(error).__name__)
        return False
    return True


def remember(raw: str) -> str:
    """The URL to save in settings: a password in it moves to the keyring (or is dropped, never saved)."""
    url = parse_hub_url(raw)
    if url.password:
        store_password(url, str(url.password))
    return display_url(url)


@dataclass(frozen=True)
class HubAddress:
    url: URL

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.get_backend_name() == "sqlite" else "postgresql"

    @property
    def label(self) -> str:
        return display_url(self.url)


def _sqlite_hub_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver; SQLAlchemy's "begin" event below opens each transaction explicitly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writer takes the lock up front (no deadlock upgrading a read lock); a reader gets a WAL snapshot.
    readonly = connection.get_execution_options().get("arbiter_readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def hub_engine(raw: str | URL, *, password: str | None = None) -> Engine:
    """An engine on the hub; the password comes from the argument, the URL, or the keyring."""
    url = parse_hub_url(raw) if isinstance(raw, str) else raw
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_hub_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 10, "application_name": "arbiter"}
    secret = password or (str(url.password) if url.password else None) or stored_password(url)
    if secret:
        connect_args["password"] = secret
    return create_engine(
        url._replace(password=None),
        pool_pre_ping=True,
        connect_args=connect_args,
        pool_size=2,
        max_overflow=2,
    )


def server_user(engine: Engine) -> str:
    """The role the hub sees us as (PostgreSQL), or "" for a SQLite hub."""
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT current_user")).scalar_one())
