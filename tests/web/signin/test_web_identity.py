"""`web_identity`: the page hands the core an Incoming from platform "web" with the learner's id as
user id; linking that identity makes the core find this very learner, however often it is asked."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.storage.learners import find_learner, learner_of
from bot.storage.tables import Identity
from bot.web.signin.auth import web_identity


def test_web_identity_links_the_learner_once(sessions: Callable[[], Session], clock: FixedClock) -> None:
    now = clock.now()
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id="4242", now=now)
        assert learner.id is not None
        web_identity(session, learner_id=learner.id, now=now)
        web_identity(session, learner_id=learner.id, now=now)
        found = find_learner(session, platform="web", user_id=str(learner.id))
        links = session.exec(select(Identity).where(Identity.platform == "web")).all()
    assert found is not None and found.id == learner.id
    assert [(link.user_id, link.learner_id) for link in links] == [(str(learner.id), learner.id)]
