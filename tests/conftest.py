"""Test set-up: offscreen Qt, a private HOME and data directory, a fresh profile per test."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt: offscreen rendering, quiet font notes, a private runtime and home directory
# (qt-material writes icons; platformdirs must not touch the real user's data).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db.info=false")
# Audit-signing keys must never land in a developer's real keyring during tests.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
_SANDBOX = Path(tempfile.mkdtemp(prefix="arbiter-tests-"))
atexit.register(shutil.rmtree, _SANDBOX, ignore_errors=True)
os.environ["XDG_RUNTIME_DIR"] = str(_SANDBOX / "runtime")
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "data")
os.environ["XDG_CACHE_HOME"] = str(_SANDBOX / "cache")
os.environ["HOME"] = str(_SANDBOX / "home")
for sub in ("runtime", "data", "cache", "home"):
    (_SANDBOX / sub).mkdir(mode=0o700)

import pytest  # noqa: E402

from app import i18n  # noqa: E402
from app.models import Reviewer  # noqa: E402
from app.services.demo import ensure_queues, ensure_team  # noqa: E402
from app.services.profile import Profile, open_profile  # noqa: E402


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Every test starts (and ends) in the source language."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def _collect_windows_here(request: pytest.FixtureRequest) -> Iterator[None]:
    """A GUI test's windows end up in reference cycles: collect them now, on the main thread. Left to chance,
    the collector can run on a task runner's thread in a later test and delete live Qt objects there (a crash)."""
    yield
    if "qtbot" in request.fixturenames:
        gc.collect()


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    """A new, empty work profile (policies loaded, nothing else)."""
    return open_profile(tmp_path, "work")


@pytest.fixture
def team_profile(profile: Profile) -> Profile:
    """A profile with the demo queues and team but no cases."""
    profile.store.write(lambda s: (ensure_queues(s), ensure_team(s)))
    return profile


@pytest.fixture
def people(team_profile: Profile) -> dict[str, str]:
    """Reviewer ids by handle."""
    rows = team_profile.store.read(lambda s: s.query(Reviewer.handle, Reviewer.id).all())
    return dict(rows)


@pytest.fixture
def worked_case(team_profile: Profile, people: dict[str, str]) -> Profile:
    """A profile with one case taken through checklist, note, message and decision."""
    from app.services.case_commands import ClaimCase
    from app.services.checklist import case_checklists
    from app.services.review_commands import AddCommunication, AddNote, AnswerChecklistItem, RecordDecision
    from tests.factories import make_case

    store = team_profile.store
    case_id = make_case(store)
    me = people["srivera"]
    store.execute(ClaimCase(case_id), me)
    checklist = store.read(
        lambda s: case_checklists(s, s.get(__import__("app.models", fromlist=["Case"]).Case, case_id))
    )[0]
    for element in checklist.elements:
        answer = "met" if element.kind == "criterion" else "not_met"
        store.execute(AnswerChecklistItem(case_id, element.element_id, answer), me)
    store.execute(AddNote(case_id, "Address confirmed as real.", "en"), me)
    store.execute(AddCommunication(case_id, "Legal", "Informed legal of a doxxing case."), me)
    store.execute(
        RecordDecision(
            case_id, checklist.violation_outcome, "All elements met.", policy_id=checklist.policy_id
        ),
        me,
    )
    team_profile.case_id = case_id  # type: ignore[attr-defined]
    return team_profile


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded demo profile per test run; tests get copies of it (seeding is the slow part)."""
    from app.services.demo import seed_demo

    root = tmp_path_factory.mktemp("demo-template")
    template = open_profile(root, "demo")
    template.store.write(lambda s: seed_demo(s, 260, seed=5))
    with template.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template.engine.dispose()
    return root


@pytest.fixture
def seeded(demo_template: Path, tmp_path: Path) -> Profile:
    """A private copy of the seeded demo profile."""
    shutil.copytree(demo_template / "profiles", tmp_path / "profiles")
    return open_profile(tmp_path, "demo")
