"""What a start skips when nothing changed: migrations, the policy pack and the theme's rendering."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from PySide6.QtCore import QDir
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from sqlalchemy import select, text

from app import theme
from app.core.resources import POLICIES
from app.models import Policy
from app.models.store import HEADS, MIGRATIONS, alembic_config, open_store, sqlite_engine, stamped_revisions
from app.services import profile as profile_module
from app.services.profile import POLICY_PACK_DIGEST, Profile, open_profile, refresh_policy_pack

ROOT = Path(__file__).resolve().parent.parent


def test_heads_constant_names_every_head_revision() -> None:
    """A new migration must be added to HEADS, or a start would skip it on every stamped store."""
    assert set(ScriptDirectory(str(MIGRATIONS)).get_heads()) == HEADS


def test_an_older_store_is_upgraded_to_the_heads(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = sqlite_engine(path)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        assert stamped_revisions(connection) == {"0002"}
    engine.dispose()
    upgraded = open_store(path)
    with upgraded.connect() as connection:
        assert stamped_revisions(connection) == HEADS
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == len(HEADS)


def test_a_new_store_is_stamped_with_the_heads(tmp_path: Path) -> None:
    with open_store(tmp_path / "new.db").connect() as connection:
        assert stamped_revisions(connection) == HEADS


def test_reopening_a_current_profile_imports_neither_alembic_nor_yaml(profile: Profile) -> None:
    """Run in a fresh interpreter: this test process has imported both long ago."""
    data_dir = profile.path.parent.parent.parent
    script = (
        "import sys; from pathlib import Path; from app.services.profile import open_profile; "
        f"open_profile(Path({str(data_dir)!r}), {profile.name!r}); "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako', 'yaml'})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == ""


def test_an_unchanged_policy_pack_is_not_parsed_again(
    profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = profile.store.read(lambda s: s.get(profile_module.Setting, POLICY_PACK_DIGEST))
    assert stored is not None
    assert stored.value == profile_module.policy_pack_digest()

    def refuse(*_args: object) -> int:
        raise AssertionError("the policy pack was parsed although it had not changed")

    monkeypatch.setattr("app.services.policy_pack.load_policy_pack", refuse)
    assert refresh_policy_pack(profile.store) == 0


def test_a_changed_policy_pack_is_loaded(profile: Profile, tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    shutil.copytree(POLICIES, pack)
    source = pack / "ah.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("version: 1\n", "version: 2\n", 1), "utf-8")

    assert refresh_policy_pack(profile.store, pack) == 1
    versions = profile.store.read(
        lambda s: sorted(s.scalars(select(Policy.version).where(Policy.code == "AH")))
    )
    assert versions == [1, 2]
    assert refresh_policy_pack(profile.store, pack) == 0  # now recorded: not parsed again
    reopened = open_profile(profile.path.parent.parent.parent, profile.name)  # the shipped pack: changed back
    assert reopened.store.read(lambda s: s.get(profile_module.Setting, POLICY_PACK_DIGEST)).value == (
        profile_module.policy_pack_digest()
    )


@pytest.fixture
def fresh_theme(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[QApplication]:
    """The theme module as at a new start; the application's look is put back afterwards."""
    sheet, palette, icons = qapp.styleSheet(), QGuiApplication.palette(), QDir.searchPaths("icon")
    for name in ("_stylesheets", "_text_colours", "_folders"):
        monkeypatch.setattr(theme, name, {})
    monkeypatch.setattr(theme, "_current", {"theme": "light"})
    yield qapp
    qapp.setStyleSheet(sheet)
    QGuiApplication.setPalette(palette)
    QDir.setSearchPaths("icon", icons)


def test_the_theme_is_rendered_once_and_then_read_from_disk(
    fresh_theme: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    theme.apply_theme(fresh_theme, "dark", "en")
    rendered = fresh_theme.styleSheet()
    assert "url(icon:/primary/" in rendered
    assert "font-family" not in rendered
    folder = Path(QDir.searchPaths("icon")[0])
    assert folder.parent.parent == theme.cache_root()
    assert (folder / "primary" / "downarrow.svg").is_file()

    # A new start: nothing in memory, and rendering with qt-material is not allowed.
    for name in ("_stylesheets", "_text_colours", "_folders"):
        monkeypatch.setattr(theme, name, {})
    monkeypatch.setattr(theme, "_current", {"theme": "light"})
    fresh_theme.setStyleSheet("")

    def refuse(*_args: object) -> None:
        raise AssertionError("the theme was rendered again")

    monkeypatch.setattr(theme, "_render", refuse)
    theme.apply_theme(fresh_theme, "dark", "en")
    assert fresh_theme.styleSheet() == rendered
    assert Path(QDir.searchPaths("icon")[0]) == folder


def test_the_theme_cache_key_follows_our_overrides() -> None:
    overrides = (theme.THEMES / "overrides.qss").read_text(encoding="utf-8")
    key = theme.cache_key("light", overrides)
    assert key == theme.cache_key("light", overrides)
    assert key != theme.cache_key("light", overrides + "\nQLabel { color: $muted; }")
    assert key != theme.cache_key("dark", overrides)
