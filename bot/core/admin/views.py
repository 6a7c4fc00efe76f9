"""What admin commands show: the stats, a broadcast as subscribers get it, the confirmation."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core import texts
from bot.core.actions import Action
from bot.core.admin.stats import AdminStats, PushToday
from bot.core.messages import Button, Reply, RichText, Span, keyboard
from bot.storage.admin_stats import Retention
from bot.storage.tables import PushState, SubscriberStatus
from lessons.following.days_left import WARN_BELOW_DAYS

BROADCAST = "ab"  # a broadcast's buttons: "ab:ok:17" confirms #17, "ab:no:17" cancels it
STATUS = {
    SubscriberStatus.ACTIVE.value: "订阅中",
    SubscriberStatus.PAUSED.value: "已暂停",
    SubscriberStatus.STOPPED.value: "已退订",
    SubscriberStatus.BLOCKED.value: "无法送达",
}
KIND = {"private": "私聊", "group": "群组"}
PUSH_KINDS = {"lesson": "每日一课", "quiz": "测验"}


def broadcast_reply(text: str) -> Reply:
    """A broadcast as every subscriber gets it (and as its preview shows it): a title, the text."""
    return Reply(RichText.of(Span(texts.ADMIN_BROADCAST_TITLE, bold=True), "", *text.split("\n")))


def broadcast_question(broadcast_id: int, audience: Mapping[str, int]) -> Reply:
    """Under the preview: whom it would reach, and ✅ / ❌."""
    platforms = "，".join(f"{platform} {count}" for platform, count in sorted(audience.items())) or "无"
    text = texts.ADMIN_BROADCAST_ASK.format(count=sum(audience.values()), platforms=platforms)
    confirm = Button(texts.ADMIN_BROADCAST_CONFIRM, action=_action("ok", broadcast_id))
    cancel = Button(texts.ADMIN_BROADCAST_CANCEL, action=_action("no", broadcast_id))
    return Reply(RichText.of(text), buttons=keyboard([confirm, cancel]))


def _action(answer: str, broadcast_id: int) -> str:
    return Action(BROADCAST, (answer, str(broadcast_id))).encode()


def stats_text(stats: AdminStats) -> RichText:
    title = f"📊 BuildSpeak 数据 Stats · {stats.at:%Y-%m-%d %H:%M} UTC"
    lines: list[str | Span] = [Span(title, bold=True), ""]
    lines += [Span("订阅 Subscribers", bold=True), *_subscriber_lines(stats), ""]
    if stats.days_left is not None:
        lines += [Span("课程 Lessons", bold=True), stats.days_left.line(WARN_BELOW_DAYS), ""]
    lines += [Span("今日推送 Today's push", bold=True)]
    lines += [_push_line(push) for push in stats.pushes] or ["还没有订阅。"]
    quizzes = stats.quizzes
    lines += ["", Span(f"测验（近 {stats.quiz_days} 天）Quizzes", bold=True)]
    started, finished = quizzes.daily_started, quizzes.daily_finished
    lines += [
        f"每日测验 {quizzes.daily} 份：开始 {started}（{_share(started, quizzes.daily)}）"
        f" · 完成 {finished}（{_share(finished, quizzes.daily)}）",
        f"/quiz {quizzes.asked} 次，完成 {quizzes.asked_finished} · 群测验 {quizzes.group} 次",
        f"答题 {quizzes.answers} 次，答对 {_share(quizzes.correct, quizzes.answers)}"
        f" · 参与 {quizzes.learners} 人",
    ]
    lines += ["", Span("留存 Retention", bold=True)]
    lines += [" · ".join(_retention(retention) for retention in stats.retention)]
    lines += ["（N 天前已在私聊订阅的人里，仍在订阅、且最近 N 天读过卡片、收藏过词或答过题的比例）"]
    lines += ["", Span("收藏最多的词 Most saved words", bold=True)]
    words = [f"{word.lemma} ×{word.learners}" for word in stats.saved]
    lines += [" · ".join(words) if words else "还没有人收藏单词。"]
    if stats.broadcasts:
        lines += ["", Span("最近的广播 Broadcasts", bold=True)]
        lines += [_broadcast_line(*item) for item in stats.broadcasts]
    return RichText.of(*lines)


def _subscriber_lines(stats: AdminStats) -> list[str]:
    by_platform: dict[str, dict[str, dict[str, int]]] = {}
    for row in stats.subscribers:
        by_platform.setdefault(row.platform, {}).setdefault(row.status, {})[row.chat_kind] = row.count
    if not by_platform:
        return ["还没有订阅。"]
    lines = []
    for platform, statuses in sorted(by_platform.items()):
        parts = []
        for status in STATUS:
            kinds = statuses.pop(status, None)
            if kinds:
                parts.append(_status_part(STATUS[status], kinds))
        parts += [_status_part(status, kinds) for status, kinds in sorted(statuses.items())]
        lines.append(f"{platform}：" + " · ".join(parts))
    return lines


def _status_part(label: str, kinds: dict[str, int]) -> str:
    order = {kind: index for index, kind in enumerate(KIND)}  # private chats first
    ordered = sorted(kinds.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
    detail = "，".join(f"{KIND.get(kind, kind)} {count}" for kind, count in ordered)
    return f"{label} {sum(kinds.values())}（{detail}）"


def _push_line(push: PushToday) -> str:
    progress = push.progress
    kind = PUSH_KINDS.get(push.kind, push.kind)
    return (
        f"{push.platform} · {kind}：已送达 {progress.sent} / 到时间 {progress.due}"
        f" · 待发 {progress.remaining} · 在途 {progress.in_flight}"
        f" · 失败 {progress.failed} · 屏蔽 {progress.blocked}"
        f" · 不确定 {progress.uncertain} · 跳过 {progress.skipped} · 今天稍后 {progress.later_today}"
    )


def _retention(retention: Retention) -> str:
    share = _share(retention.retained, retention.cohort)
    return f"{retention.days} 日留存 {share}（{retention.retained}/{retention.cohort}）"


def _broadcast_line(broadcast_id: int, text: str, counts: Mapping[str, int]) -> str:
    sent = counts.get(PushState.SENT.value, 0)
    in_flight = counts.get(PushState.CLAIMED.value, 0) + counts.get(PushState.SENDING.value, 0)
    failed = counts.get(PushState.FAILED.value, 0)
    others = sum(counts.values()) - sent - in_flight - failed
    head = text.split("\n", 1)[0]
    head = head if len(head) <= 30 else head[:29] + "…"
    return f"#{broadcast_id} 已送达 {sent} · 在途 {in_flight} · 失败 {failed} · 其他 {others} —「{head}」"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"
