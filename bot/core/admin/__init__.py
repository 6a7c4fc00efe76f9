"""Admin commands: the bot's operators (`ADMIN_IDS`) look after it from a private chat.

`/admin stats|pin|preview|broadcast|reload`: handlers in `handlers`, what they show in `views`,
who the admins are in `admins`, reloading the library in every worker in `library`. The same
operations run from the command line as `buildspeak admin …`. The daily review digest of fetched
posts, and its buttons 通过 / 跳过 / 预览全文, are `review`'s.
"""

from bot.core.admin.admins import Admins

__all__ = ["Admins"]
