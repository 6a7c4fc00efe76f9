"""Posting a group quiz's results when it closes: who took part, the top scorers, the answers.

A tick finds the group quizzes whose time is up, takes each (one worker wins: the results go
out once), and posts through the platform's push sender, within the same rate limits as the push.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from sqlmodel import Session

from bot.clock import Clock
from bot.core import group_quiz
from bot.core.messages import Reply
from bot.delivery.broadcast import PushSender
from bot.delivery.errors import DeliveryError
from bot.storage import quizzes

log = logging.getLogger(__name__)
GROUP = "group"


class GroupQuizResults:
    name = "quiz-results"

    def __init__(
        self, senders: Mapping[str, PushSender], sessions: Callable[[], Session], clock: Clock
    ) -> None:
        self.senders = dict(senders)
        self.sessions = sessions
        self.clock = clock

    async def run_once(self) -> int:
        """Post every result that is due; returns how many went out."""
        posted = 0
        for platform, chat_id, reply in await asyncio.to_thread(self._take_due):
            try:
                await self.senders[platform].push(chat_id, GROUP, [reply])
                posted += 1
            except DeliveryError as error:
                log.warning("group quiz results to %s chat %s not posted: %s", platform, chat_id, error)
        return posted

    async def stop(self) -> None:
        """Nothing runs between ticks; a tick under way finishes its posts."""

    def _take_due(self) -> list[tuple[str, str, Reply]]:
        now = self.clock.now()
        taken: list[tuple[str, str, Reply]] = []
        with self.sessions() as session:
            for quiz in quizzes.closed_group_quizzes(session, platforms=list(self.senders), now=now):
                assert quiz.id is not None
                if not quizzes.claim_results(session, quiz.id, now):
                    continue
                asked = quizzes.questions_of(session, quiz.id)
                if asked:
                    reply = group_quiz.results(asked, group_quiz.scores(session, quiz.id))
                else:  # a post from which each member took their own quiz
                    reply = group_quiz.members_results(quizzes.member_scores(session, quiz.id))
                taken.append((quiz.platform, quiz.chat_id, reply))
        return taken
