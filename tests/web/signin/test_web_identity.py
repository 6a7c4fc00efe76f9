"""`web_identity`: the page hands the core an Incoming from platform "web" with the learner's id as
user id; linking that identity makes the core find this very learner, however often it is asked."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.admin import Admins
from bot.storage.learners import find_learner, learner_of
from bot.storage.tables import Identity
from bot.web.signin.auth import web_identity, web_user_id


def test_web_identity_links_the_learner_once(sessions: Callable[[], Session], clock: FixedClock) -> None:
    now = clock.now()
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="4242", now=now)
        assert learner.id is not None
        web_identity(session, learner_id=learner.id, now=now)
        web_identity(session, learner_id=learner.id, now=now)
        found = find_learner(session, platform="web", user_id=web_user_id(learner.id))
        links = session.exec(select(Identity).where(Identity.platform == "web")).all()
    assert found is not None and found.id == learner.id
    assert [(link.user_id, link.learner_id) for link in links] == [(web_user_id(learner.id), learner.id)]


def test_a_learners_web_id_never_passes_for_a_bare_admin_id() -> None:
    """ADMIN_IDS=42 is user 42 on every platform; the web's learner 42 is someone else."""
    admins = Admins.of(["42"])
    assert admins.includes("telegram", "42")
    assert not admins.includes("web", web_user_id(42))
