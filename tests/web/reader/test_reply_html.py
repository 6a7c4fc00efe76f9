"""The core's replies as the review page shows them: styled text escaped, buttons as forms that post
their action payload, polls as option forms that keep the right answer on the server, a typed
answer as a text form, audio as a player, notices as feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from bot.core.messages import Audio, Button, Poll, Reply, RichText, Span, TypedAnswer, keyboard
from bot.web.reader.reply_html import FormTarget, Role, reply_html, rich_text_html, role_of

pytestmark = pytest.mark.database_incidental

SCRIPT = "<script>alert(1)</script>"
TARGET = FormTarget("/review", "csrf-token-1")


def no_audio(audio: Audio) -> str | None:
    return None


def html_of(reply: Reply, *, target: FormTarget = TARGET, audio_url: object = no_audio) -> Tag:
    html = reply_html(reply, target=target, audio_url=audio_url)  # type: ignore[arg-type]
    block = BeautifulSoup(str(html), "html.parser").find("div")
    assert isinstance(block, Tag)
    return block


def hidden(form: Tag) -> dict[str, str]:
    return {str(field["name"]): str(field["value"]) for field in form.select("input[type=hidden]")}


def test_text_people_wrote_is_escaped_everywhere_it_appears() -> None:
    reply = Reply(
        RichText.of(SCRIPT, (Span(SCRIPT, bold=True), Span(SCRIPT, url="https://example.com/?a=<b>"))),
        buttons=keyboard([Button(SCRIPT, action="qk:1")]),
        typed_answer=TypedAnswer(SCRIPT, SCRIPT),
    )
    html = str(reply_html(reply, target=FormTarget("/review", '"><script>'), audio_url=no_audio))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 4
    block = BeautifulSoup(html, "html.parser")
    assert block.select_one("a")["href"] == "https://example.com/?a=<b>"  # type: ignore[index]
    assert all(field["value"] == '"><script>' for field in block.select("input[name=csrf]"))


def test_a_poll_is_escaped_and_never_tells_the_right_answer() -> None:
    poll = Poll("quiz-question:7", f"1/1 {SCRIPT}\nline two", ("right", SCRIPT), correct=0, explanation="why")
    block = html_of(Reply(poll=poll))
    html = str(block)
    assert "<script>" not in html and "why" not in html and "correct" not in html
    question = block.select_one(".question")
    assert question is not None and question.get_text("\n") == f"1/1 {SCRIPT}\nline two"
    forms = block.select("form.choice")
    assert [hidden(form) for form in forms] == [
        {"csrf": "csrf-token-1", "poll": "quiz-question:7", "option": "0"},
        {"csrf": "csrf-token-1", "poll": "quiz-question:7", "option": "1"},
    ]
    assert [form.select_one("button.option").get_text() for form in forms] == ["right", SCRIPT]  # type: ignore[union-attr]
    assert all(form["method"] == "post" and form["action"] == "/review" for form in forms)
    assert role_of(Reply(poll=poll)) is Role.ASK


def test_styles_become_their_tags_and_empty_lines_start_paragraphs() -> None:
    text = RichText.of(
        (Span("b", bold=True), Span("i", italic=True), Span("c", code=True), Span("s", spoiler=True)),
        "second line",
        "",
        "new paragraph",
    )
    block = BeautifulSoup(str(rich_text_html(text)), "html.parser")
    first, second = block.find_all("p")
    assert [str(child) for child in first.children][:4] == [
        "<strong>b</strong>",
        "<em>i</em>",
        "<code>c</code>",
        '<span class="spoiler" tabindex="0" title="点按显示">s</span>',
    ]
    assert first.find("br") is not None and first.get_text() == "bicssecond line"
    assert second.get_text() == "new paragraph"


def test_a_link_opens_only_a_web_address() -> None:
    text = RichText.of((Span("ok", url="https://example.com"), Span("bad", url="javascript:alert(1)")))
    block = BeautifulSoup(str(rich_text_html(text)), "html.parser")
    links = block.find_all("a")
    assert [(link["href"], link.get_text()) for link in links] == [("https://example.com", "ok")]
    assert "javascript" not in str(block) and "bad" in block.get_text()


def test_buttons_post_their_payload_and_links_stay_links() -> None:
    buttons = keyboard(
        [Button("💡 提示 hint", action="qh:12"), Button("🤷 不知道", action="qk:12")],
        [Button("原文", url="https://example.com/post"), Button("私聊", start_payload="quiz")],
    )
    block = html_of(Reply(RichText.of("question"), buttons=buttons))
    forms = block.select("form")
    assert [hidden(form) for form in forms] == [
        {"csrf": "csrf-token-1", "pressed": "qh:12"},
        {"csrf": "csrf-token-1", "pressed": "qk:12"},
    ]
    assert [str(link["href"]) for link in block.select("a.button")] == ["https://example.com/post"]
    assert "私聊" not in block.get_text(), "a chat's deep link means nothing on the page"
    assert block.select_one(".question").get_text() == "question"  # type: ignore[union-attr]


FORM_PROPERTIES = {"action", "method", "target", "submit", "reset", "elements", "length", "name", "id"}


def test_no_field_hides_a_property_of_its_form_from_scripts() -> None:
    """A control named "action" makes `form.action` that control: the Mini App's soft navigation
    would post to "[object HTMLInputElement]"."""
    poll = Poll("quiz-question:7", "q", ("a", "b"))
    reply = Reply(
        RichText.of("q"), buttons=keyboard([Button("x", action="qk:1")]), typed_answer=TypedAnswer("p")
    )
    names = {
        str(field["name"])
        for block in (html_of(Reply(poll=poll)), html_of(reply))
        for field in block.select("input, button[name]")
    }
    assert names and not names & FORM_PROPERTIES, names


def test_under_mini_app_sign_in_forms_carry_no_csrf_field() -> None:
    block = html_of(
        Reply(RichText.of("q"), buttons=keyboard([Button("x", action="qk:1")])),
        target=FormTarget("/review", ""),
    )
    assert block.select("input[name=csrf]") == []


def test_a_typed_answer_is_a_text_form() -> None:
    reply = Reply(RichText.of("写出这个英文词"), typed_answer=TypedAnswer("回想：这个英文词", "the word"))
    block = html_of(reply)
    form = block.select_one("form.answer")
    assert form is not None and form["method"] == "post" and form["action"] == "/review"
    field = form.select_one("input[name=text]")
    assert field is not None and field["placeholder"] == "the word" and field.has_attr("required")
    assert "回想：这个英文词" in form.get_text()
    assert hidden(form) == {"csrf": "csrf-token-1"}
    assert block.select_one(".question") is not None and role_of(reply) is Role.ASK


def test_audio_is_a_player_of_the_url_given_and_nothing_without_one(tmp_path: Path) -> None:
    sound = Audio(tmp_path / "espeak-ng-abc.mp3", key="espeak-ng-abc", title="BuildSpeak · 听写")
    reply = Reply(RichText.of("listen"), audio=sound)
    block = html_of(reply, audio_url=lambda audio: f"/review/audio/{audio.key}.mp3")
    player = block.select_one("audio")
    assert player is not None and player["src"] == "/review/audio/espeak-ng-abc.mp3"
    assert player["preload"] == "none" and player.has_attr("controls")
    assert html_of(reply).select("audio") == []


def test_a_notice_is_feedback_and_an_edit_is_the_answered_question() -> None:
    notice = html_of(Reply(notice=f"这是别人的测验 {SCRIPT}"))
    assert notice["class"] == ["reply", "feedback"]
    assert notice.select_one(".notice").get_text() == f"这是别人的测验 {SCRIPT}"  # type: ignore[union-attr]
    edited = html_of(Reply(RichText.of("📝 ✅"), edit=True))
    assert edited["class"] == ["reply", "answered"]
    plain = html_of(Reply(RichText.of("✅ 对！")))
    assert plain["class"] == ["reply", "feedback"] and plain.select(".question") == []
