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


# Admin commands (/admin …): only the bot's admins ever see these; everyone else gets UNKNOWN_COMMAND.
ADMIN_USAGE = (
    "🛠 管理员命令 Admin commands\n"
    "/admin stats — 数据：订阅、今日推送、测验、留存、收藏最多的词\n"
    "/admin pin YYYY-MM-DD ID — 把一课置顶到某天（今天或以后）\n"
    "/admin preview [YYYY-MM-DD] — 预览某天的课，和订阅者收到的一模一样\n"
    "/admin broadcast 文本 — 群发通知：先看预览，确认后发给所有订阅者\n"
    "/admin reload — 重新读取课程库和置顶，不用重启"
)
ADMIN_BAD_DATE = "看不懂日期「{text}」。请用 YYYY-MM-DD，例如 2026-12-01（也可以写 today 或 tomorrow）。"
ADMIN_PIN_USAGE = (
    "用法：/admin pin YYYY-MM-DD ID，例如 /admin pin 2026-12-01 x-1234567890"
    "（课程 ID 见 buildspeak lessons list）。"
)
ADMIN_PIN_DONE = "📌 已置顶：{date} → {lesson_id}（{title}）。所有进程会在几秒内换上新课表。"
ADMIN_PIN_NOT_SCHEDULED = "注意：这一课本身不排课（{reason}），已按你的选择照样置顶。"
ADMIN_PIN_PAST = "{date} 已经过去了：只能置顶今天（{today}）或以后的日子。"
ADMIN_PIN_UNKNOWN = "课程库里没有 ID 为 {lesson_id} 的课。"
ADMIN_PREVIEW_HEAD = (
    "👀 预览 Preview · {date} · 第 {number} 课 · {lesson_id}\n"
    "私聊的订阅者收到下面这条；群组收到整篇合一的帖子。"
)
ADMIN_PREVIEW_NONE = "{date} 没有课（课表从 {start} 开始）。"
ADMIN_BROADCAST_USAGE = "用法：/admin broadcast 文本。会先给你看预览，确认后才发给所有订阅者。"
ADMIN_BROADCAST_TOO_LONG = "通知太长了：{length} 字，最多 {limit} 字。"
ADMIN_BROADCAST_TITLE = "📢 BuildSpeak 通知"
ADMIN_BROADCAST_CONFIRM = "✅ 确认发送"
ADMIN_BROADCAST_CANCEL = "❌ 取消"
ADMIN_BROADCAST_ASK = (
    "📣 上面就是订阅者会收到的样子。确认后发给 {count} 个订阅（{platforms}），每个订阅只收到一次。"
)
ADMIN_BROADCAST_CONFIRMED = (
    "✅ 广播 #{id} 已确认：推送进程下一次检查时开始发送（通常一分钟内），每个订阅只收到一次。"
    "进度见 /admin stats。"
)
ADMIN_BROADCAST_WAS_CONFIRMED = "广播 #{id} 之前已经确认过了，不会重复发送。"
ADMIN_BROADCAST_CANCELLED = "❌ 已取消，广播 #{id} 不会发送。"
ADMIN_BROADCAST_WAS_CANCELLED = "广播 #{id} 已经取消了，不会发送。"
ADMIN_BROADCAST_MISSING = "找不到这条广播。"
ADMIN_RELOAD_DONE = (
    "🔄 课程库已重新读取：{lessons} 课（之前 {before} 课），{pins} 个置顶。其他进程会在几秒内跟上。"
)
ADMIN_RELOAD_SKIPPED = "有 {count} 个文件读不了，已跳过：{files}"
ADMIN_RELOAD_FAILED = "重新读取失败，课程库保持原样：{error}"
