"""Forms on Discord: what a member types, when typing in the channel would show it to everyone.

* A quiz question that waits for a typed word (`Reply.typed_answer`) gets a ✍️ 作答 button; it
  opens a modal whose text goes to the core as if typed in a private chat.
* Two message context-menu commands work on any message's English: 用 BuildSpeak 讲解 (the core's
  /explain of its text) and 收藏单词 (a modal for the words to save from it, then /save).

Modals are recognised by their custom id when submitted (after a restart too): nothing is kept
per form. A custom id carries at most 100 characters, so the form's title travels in it.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord_server import GUILD_INSTALL, IN_BOT_DMS, IN_SERVERS

ANSWER_BUTTON = "answer"  # custom id "answer:<the form's title>"
ANSWER_FORM = "answer-form"
SAVE_FORM = "save-form"
EXPLAIN_MESSAGE = "Explain with BuildSpeak"
SAVE_FROM_MESSAGE = "Save words"
MESSAGE_COMMAND = 3
TITLE_LIMIT, PLACEHOLDER_LIMIT, TEXT_LIMIT = 45, 100, 4000
TEXT_INPUT = 4


def message_command_payloads() -> list[dict[str, Any]]:
    """The two message context-menu commands, named in Chinese for zh-CN clients."""
    names = {EXPLAIN_MESSAGE: "用 BuildSpeak 讲解", SAVE_FROM_MESSAGE: "收藏单词"}
    return [
        {
            "type": MESSAGE_COMMAND,
            "name": name,
            "name_localizations": {"zh-CN": chinese},
            "contexts": [IN_SERVERS, IN_BOT_DMS],
            "integration_types": [GUILD_INSTALL],
        }
        for name, chinese in names.items()
    ]


def answer_button_id(prompt: str) -> str:
    return f"{ANSWER_BUTTON}:{prompt}"[:100]


def answer_prompt(custom_id: str) -> str | None:
    """The form's title, when the pressed button is an answer button."""
    prefix, _, prompt = custom_id.partition(":")
    return (prompt or "作答") if prefix == ANSWER_BUTTON else None


class TextForm(discord.ui.Modal):
    """One text field. Its submit is handled by the adapter's `on_interaction` (by custom id), so
    it is answered the same whether or not this process opened it."""

    def __init__(self, *, custom_id: str, title: str, label: str, placeholder: str = "") -> None:
        super().__init__(title=title[:TITLE_LIMIT], custom_id=custom_id, timeout=None)
        self.text: discord.ui.TextInput[TextForm] = discord.ui.TextInput(
            custom_id="text",
            label=label[:TITLE_LIMIT],
            placeholder=placeholder[:PLACEHOLDER_LIMIT] or None,
            max_length=TEXT_LIMIT,
        )
        self.add_item(self.text)


def answer_form(prompt: str) -> TextForm:
    return TextForm(custom_id=ANSWER_FORM, title=f"✍️ {prompt}", label="答案 Answer", placeholder="the word")


def save_form(message_text: str) -> TextForm:
    excerpt = " ".join(message_text.split())[:PLACEHOLDER_LIMIT]
    return TextForm(
        custom_id=SAVE_FORM,
        title="收藏单词 Save words",
        label="要收藏的词（空格分开，短语加引号）",
        placeholder=excerpt or 'leverage "napkin math"',
    )


def submitted_text(data: dict[str, Any]) -> str:
    """The text typed in a submitted form: its first text input's value, wherever Discord nests
    it (action rows, or the newer label components)."""
    stack: list[Any] = list(data.get("components", []))
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("type") == TEXT_INPUT:
            return str(component.get("value") or "")
        stack.extend(component.get("components", []))
        if "component" in component:
            stack.append(component["component"])
    return ""


def target_message_text(data: dict[str, Any]) -> str:
    """A message command's target: the message's text (its embeds' too: a lesson post is one)."""
    target = str(data.get("target_id", ""))
    message = data.get("resolved", {}).get("messages", {}).get(target, {})
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds", []):
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
    text = "\n".join(part for part in parts if part).strip()
    return discord.utils.remove_markdown(text.replace("||", ""))
