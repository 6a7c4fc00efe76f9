"""Who the bot's admins are: platform user ids from the settings (`ADMIN_IDS`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ANY_PLATFORM = ""


@dataclass(frozen=True)
class Admins:
    """`telegram:123` is that Telegram user, `discord:456` that Discord user, and a bare `123` the
    user with that id on any platform. None by default: then nobody has admin commands."""

    ids: frozenset[tuple[str, str]] = frozenset()  # (platform, or "" for any; user id)

    @classmethod
    def of(cls, ids: Iterable[str]) -> Admins:
        """From the settings' strings, already checked there ("telegram:123", "123")."""
        pairs = set()
        for item in ids:
            platform, _, user_id = item.strip().rpartition(":")
            if user_id:
                pairs.add((platform, user_id))
        return cls(frozenset(pairs))

    def includes(self, platform: str, user_id: str) -> bool:
        return (platform, user_id) in self.ids or (ANY_PLATFORM, user_id) in self.ids

    def on(self, platform: str) -> list[str]:
        """The admins' user ids on `platform`, sorted (Telegram's menu is set for each)."""
        return sorted({user for where, user in self.ids if where in (platform, ANY_PLATFORM)})

    def __bool__(self) -> bool:
        return bool(self.ids)
