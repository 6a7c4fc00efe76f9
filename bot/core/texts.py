"""What the bot says, in one place: Chinese first, English where it teaches.

Kept apart from the logic so wording can be reviewed (and one day translated)
without reading handlers.
"""

from __future__ import annotations

APOLOGY = "抱歉，出了点问题，我们已经记录下来了。请稍后再试。 Sorry, something went wrong."
UNKNOWN_COMMAND = "没有这个命令：/{name}。发送 /help 查看全部命令。"
# Text in a private chat is a question about the card last looked at; these answer what is not one.
CHAT_HINT = (
    "想问英文？直接发单词或短语，例如 token、forward pass；或者用中文提问，例如「这句话什么意思？」，"
    "我会结合你最近看的那张卡片讲解。发送 /today 开始今天的课，/help 查看全部命令。"
)
GREETING_HINT = "你好 👋 " + CHAT_HINT
THANKS_HINT = "不客气 🙂 " + CHAT_HINT
TOO_LONG_HINT = "这段话有 {length} 字，太长了（最多 {limit} 字）。" + CHAT_HINT
NO_CARD_YET = "现在还没有可以提问的课文卡片 🙂 直接发英文单词或短语，例如 token，我来讲解。"


def not_subscribed(subscribe_with: str | None) -> str:
    """Asked to change a subscription there is none of: how to make one, where there is a way."""
    return f"你还没有订阅。先发送 {subscribe_with}，再来设置吧。" if subscribe_with else "你还没有订阅。"


ADMINS_ONLY = "只有管理员可以修改这里的订阅设置（推送时间、时区、暂停等）。"  # a group's, a server's
PRIVATE_ONLY = "这个命令请在和我的私聊中使用。"
NO_LESSON = "今天还没有课程（课表从 {start} 开始）。"
NO_AUDIO = "暂时无法生成音频，请稍后再试。"
STALE_BUTTON = "这节课已经不在课程库里了。发送 /today 看今天的课。"


def help_text(commands: list[str]) -> str:
    """/help: what BuildSpeak is, one line per command (from the command registry), the buttons."""
    lines = ["BuildSpeak 每日 builder 文摘：每天一篇 builder 写的英文，逐句学。", "", *commands]
    buttons = "卡片上的按钮：◀ 上一句 · 🔊 朗读 · 下一句 ▶ · 全文 · ⭐ 收藏。先猜意思，再点开灰色的译文核对。"
    lines += ["", buttons]
    lines += ["生词本：回复卡片发送 /save 单词，连同这句例句一起收藏；/words 查看，/export 导出到 Anki。"]
    lines += [
        "复习：每晚推送测验，按间隔重复（spaced repetition）复习你收藏的词；/quiz 随时开始，/stats 看进度。"
    ]
    lines += [
        "有问题？直接发给我，例如「engulfed 在这里什么意思？」「这句话的语法」或一个单词 token："
        "默认问你最近看的那张卡片；回复某张卡片就问那一张。"
    ]
    return "\n".join(lines)


def welcome(lesson_time: str, timezone: str, *, group: bool, quiz_time: str | None = None) -> str:
    who = "本群" if group else "你"
    review = "群测验：几道投票题，考考大家最近的课。" if group else "复习收藏的生词。"
    evening = f"每晚 {quiz_time} 还有一个小测验，{review}\n" if quiz_time else ""
    return (
        f"欢迎来到 BuildSpeak 👋 每天 {lesson_time}（{timezone}）{who}会收到一篇 builder 写的英文，"
        "一句一卡：英文、隐藏的中文译文、朗读和重点词汇。\n"
        + evening
        + "改时间：/time 07:30 · 测验时间：/quiztime 21:00 · 改时区：/tz 纽约 · 暂停：/pause · "
        "现在就学：/today · 全部命令：/help"
    )
