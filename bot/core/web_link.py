"""The reader on the web from the chat: the 🌐 阅读页 buttons, and /web, a sign-in link for a browser.

The buttons open the reader's page as a Telegram Mini App where the platform can (signed in by
Telegram itself) and as a plain link elsewhere. /web is for a browser outside Telegram: a link that
signs this learner in once, within minutes. It is only ever sent in a private chat: whoever opens
it becomes the learner, so a group must never see one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.core.messages import Button, Reply, RichText, keyboard
from bot.storage.web_signin import issue_sign_in_token

if TYPE_CHECKING:
    from bot.core.turn import Turn

READER = "🌐 阅读页"
SIGN_IN = "🔑 在浏览器里登录"
NOT_SET_UP = "这个机器人还没有开通网页阅读页，暂时只能在聊天里学习。发送 /today 看今天的课。"
ASK_PRIVATELY = (
    "登录链接只在私聊里发：谁点开它，谁就以你的身份登录，所以不能发在群里。请在和我的私聊里发送 {command}。"
)
LINK_SENT = (
    "🔑 网页版登录链接：点下面的按钮，在浏览器里打开 BuildSpeak 阅读页，查看你的生词本、做复习。\n"
    "链接 {minutes} 分钟内有效，只能用一次；请不要转发给别人——谁点开它，谁就以你的身份登录。\n"
    "过期了就再发一次 {command}。"
)


def day_button(web_url: str, day_number: int) -> Button | None:
    """🌐 阅读页 under a day's lesson: that day on the reader; None when there is no reader."""
    return Button(READER, web_app=f"{web_url}/day/{day_number}") if web_url else None


def book_button(web_url: str) -> Button | None:
    """🌐 阅读页 under the vocabulary book: the Mini App (it opens 生词本 signed in); in a browser
    the book itself, which says how to sign in. None when there is no reader."""
    return Button(READER, web_app=f"{web_url}/app", url=f"{web_url}/words") if web_url else None


async def web(turn: Turn) -> list[Reply]:
    """/web: a single-use sign-in link for the reader, in a private chat only."""
    web_url = turn.services.web_url
    command = turn.spell("web") or "/web"
    if turn.is_group:
        return [Reply(RichText.of(ASK_PRIVATELY.format(command=command)))]
    if not web_url:
        return [Reply(RichText.of(NOT_SET_UP))]
    minutes = turn.services.sign_in_minutes

    def issue(session: Session) -> str:
        learner_id = turn.learner_id(session)
        return issue_sign_in_token(session, learner_id=learner_id, now=turn.now, minutes=minutes)

    token = await turn.db(issue)
    link = Button(SIGN_IN, url=f"{web_url}/signin?token={token}")
    text = RichText.of(*LINK_SENT.format(minutes=minutes, command=command).split("\n"))
    return [Reply(text, buttons=keyboard([link]))]
