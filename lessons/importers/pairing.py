"""Pair English paragraphs with their Chinese translations, by content, dropping nothing.

Sources put translations in different places: all English then all Chinese
(the archive), each paragraph followed by its translation (the page), or a
mix. We cut the paragraphs into runs of one language, pair each English run
with the Chinese run after it, and align the paragraphs inside each pair.
Paragraphs that carry no prose (a URL, a formula, an emoji) join the run they
sit in: both halves of a bilingual post repeat them verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lessons.align import align
from lessons.importers.base import EntryError
from lessons.post import Paragraph
from lessons.text import language_of


@dataclass
class _Run:
    language: str
    blocks: list[str] = field(default_factory=list)


def pair_paragraphs(blocks: list[str]) -> list[Paragraph]:
    """Bilingual paragraphs from a source's blocks in reading order."""
    runs = _runs(blocks)
    if not runs:
        return []
    paragraphs: list[Paragraph] = []
    orphans: list[str] = []
    index = 0
    while index < len(runs):
        run = runs[index]
        following = runs[index + 1] if index + 1 < len(runs) else None
        if run.language == "zh":
            orphans.extend(run.blocks)
            index += 1
            continue
        zh_blocks = following.blocks if following else []
        paragraphs.extend(_aligned(run.blocks, zh_blocks))
        index += 2 if following else 1
    return _attach_orphans(paragraphs, orphans)


def paragraphs_or_reject(blocks: list[str], line: int, unit: str, markup: str) -> list[Paragraph]:
    """Paired paragraphs of a post with English prose; otherwise say what the `unit` lacks."""
    languages = {language_of(block) for block in blocks}
    if "en" not in languages:
        if "zh" in languages:
            raise EntryError(line, f"{unit} has Chinese text but no English")
        raise EntryError(line, f"{unit} has no prose (only code, images, {markup} or nothing at all)")
    return pair_paragraphs(blocks)


def _runs(blocks: list[str]) -> list[_Run]:
    languages = _languages(blocks)
    runs: list[_Run] = []
    for block, language in zip(blocks, languages, strict=True):
        if language == "neutral":
            language = runs[-1].language if runs else "en"
        if not runs or runs[-1].language != language:
            runs.append(_Run(language))
        runs[-1].blocks.append(block)
    return runs


def _languages(blocks: list[str]) -> list[str]:
    """Each block's language; an English block repeated verbatim ("Hi Andrej,", a code line)
    is the translation quoting its original, so it counts as neutral."""
    languages = [language_of(block) for block in blocks]
    if "zh" not in languages or "en" not in languages:
        return ["zh" if lang == "zh" else "en" for lang in languages]
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        if languages[index] == "en" and block in seen:
            languages[index] = "neutral"
        seen.add(block)
    return languages


def _aligned(en_blocks: list[str], zh_blocks: list[str]) -> list[Paragraph]:
    if not zh_blocks:
        return [Paragraph(en=block) for block in en_blocks]
    paragraphs: list[Paragraph] = []
    leading_zh: list[str] = []
    for bead in align(en_blocks, zh_blocks):
        zh = "\n".join(zh_blocks[j] for j in bead.zh) or None
        if not bead.en:
            if paragraphs:
                last = paragraphs[-1]
                paragraphs[-1] = last.model_copy(update={"zh": _join(last.zh, zh)})
            else:
                leading_zh.append(zh or "")
            continue
        en = "\n".join(en_blocks[i] for i in bead.en)
        if leading_zh:
            zh, leading_zh = _join("\n".join(leading_zh), zh), []
        paragraphs.append(Paragraph(en=en, zh=zh))
    return paragraphs


def _attach_orphans(paragraphs: list[Paragraph], orphans: list[str]) -> list[Paragraph]:
    """Chinese with no English run to pair with goes to the nearest paragraph, never away."""
    if not orphans:
        return paragraphs
    if not paragraphs:
        return []
    extra = "\n".join(orphans)
    last = paragraphs[-1]
    return [*paragraphs[:-1], last.model_copy(update={"zh": _join(last.zh, extra)})]


def _join(first: str | None, second: str | None) -> str | None:
    parts = [part for part in (first, second) if part]
    return "\n".join(parts) or None
