"""Small builders for test data, going through the same intake code as real imports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models import Reviewer
from app.services.commanding import Store
from app.services.intake import CaseSpec, ItemSpec, create_case


def make_case(
    store: Store,
    *,
    ref: str = "RPT-T-1",
    queue: str = "privacy",
    text: str = "Here is where my neighbour lives: 42 Example Road.",
    language: str = "en",
    author: str = "someone",
    intake_handle: str = "pnair",
) -> str:
    """Create one case with a reported post and a reply; returns its id."""
    created = datetime.now(UTC) - timedelta(hours=1)
    spec = CaseSpec(
        external_ref=ref,
        queue_slug=queue,
        title=f"Reported post {ref}",
        language=language,
        items=(
            ItemSpec(kind="post", text=text, author_handle=author, language=language, reported=True),
            ItemSpec(kind="reply", text="that is not ok", author_handle="bystander", language="en", parent=0),
        ),
        created_at=created,
    )

    def work(session):  # type: ignore[no-untyped-def]
        actor = session.query(Reviewer).filter_by(handle=intake_handle).one()
        return create_case(session, actor, spec).id

    return str(store.write(work))
