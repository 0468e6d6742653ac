"""A profile: its database file, its settings, and who is working in it."""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app import settings as settings_module
from app.core.resources import POLICIES
from app.models import Reviewer, Setting
from app.models.store import open_store
from app.services.commanding import Store
from app.settings import Settings

DEFAULT_PROFILE = "demo"
DB_NAME = "arbiter.db"
# A setting row of our own (not a user setting): the digest of the policy pack last loaded into the store.
POLICY_PACK_DIGEST = "policy_pack_digest"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("arbiter", appauthor=False))


def profile_path(data_dir: Path | None, profile: str) -> Path:
    if not profile or any(c in profile for c in "/\\") or profile.startswith("."):
        raise ValueError(f"invalid profile name {profile!r}: use letters, digits, '-' or '_'")
    return (data_dir or default_data_dir()) / "profiles" / profile / DB_NAME


@dataclass
class Profile:
    name: str
    path: Path
    engine: Engine
    store: Store
    fresh: bool  # the database file did not exist before this start


def open_profile(data_dir: Path | None, name: str) -> Profile:
    """Open (creating and upgrading as needed) a profile's store, with the policy pack loaded."""
    path = profile_path(data_dir, name)
    fresh = not path.exists()
    engine = open_store(path)
    store = Store(engine)
    refresh_policy_pack(store)
    return Profile(name=name, path=path, engine=engine, store=store, fresh=fresh)


def policy_pack_digest(directory: Path = POLICIES) -> str:
    """A digest of the policy files' names and contents: it changes whenever a policy file does."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def refresh_policy_pack(store: Store, directory: Path = POLICIES) -> int:
    """Load the policy pack when its files changed since the last start; returns how many versions were added.

    Parsing the YAML costs a noticeable part of a start, so an unchanged pack is recognised by its digest.
    """
    digest = policy_pack_digest(directory)
    stored = store.read(lambda s: s.scalar(select(Setting.value).where(Setting.key == POLICY_PACK_DIGEST)))
    if stored == digest:
        return 0
    from app.services.policy_pack import load_policy_pack  # brings PyYAML: only when the pack changed

    def load(session: Session) -> int:
        added = load_policy_pack(session, directory)
        session.merge(Setting(key=POLICY_PACK_DIGEST, value=digest))
        return added

    return store.write(load)


def read_settings(session: Session) -> Settings:
    values = {}
    for row in session.scalars(select(Setting)):
        if row.key in settings_module.setting_names():
            values[row.key] = settings_module.decode(row.key, row.value)
    return Settings(**values)


def write_setting(session: Session, key: str, value: object) -> None:
    if key not in settings_module.setting_names():
        raise KeyError(key)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=settings_module.encode(value)))
    else:
        row.value = settings_module.encode(value)


def ensure_reviewer(session: Session) -> str:
    """The profile's working reviewer; a new profile gets one from the operating system's user name."""
    current = read_settings(session).reviewer_id
    if current and session.get(Reviewer, current) is not None:
        return current
    reviewer = session.scalars(select(Reviewer).order_by(Reviewer.created_at).limit(1)).first()
    if reviewer is None:
        user = getpass.getuser() or "reviewer"
        reviewer = Reviewer(name=user, handle=user, role="specialist", languages=["en"], time_zone="UTC")
        session.add(reviewer)
        session.flush()
    write_setting(session, "reviewer_id", reviewer.id)
    return reviewer.id
