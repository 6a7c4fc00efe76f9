"""Builder expressions: the slang, idioms, abbreviations and coined terms dictionaries explain badly.

"imo", "skill issue", "napkin math", "people spirits": a learner who looks these up
gets a wrong or empty answer, so the glossary in ``lessons/data/expressions.yaml``
explains each one in Chinese with a builder's example, and `ExpressionGlossary.find`
flags them in a sentence.

Matching is deliberately conservative, because a false flag teaches something
wrong: whole words only ("cope" is not in "scope"), tolerant of the spellings real
posts use (curly apostrophes, "low hanging" for "low-hanging"), and with two escape
hatches an entry can use for words that are usually ordinary English:

- ``alone``: forms that count only when they make up a whole sentence or clause
  ("Based." is slang; "based on" is not).
- ``unless``: phrases that, where they overlap a match, veto it ("IMO gold" is the
  maths olympiad, not "in my opinion").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

ExpressionKind = Literal["slang", "idiom", "abbreviation", "coined"]
KINDS: tuple[str, ...] = get_args(ExpressionKind)

_FIELDS = ("phrase", "variants", "kind", "zh", "example", "note", "alone", "unless", "case_sensitive")

# One character for one character, so offsets in the folded text are offsets in the sentence.
_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\u2010": "-", "\u2011": "-"}
)
# A form must not continue a word on either side: "cope" in "scope", "based" in "transformer-based".
_BEFORE = r"(?<![A-Za-z0-9_-])"
_AFTER = r"(?![A-Za-z0-9_-])"
_GAP = r"[\s-]+"
_FORM_SHAPE = re.compile(r"^[A-Za-z0-9+][^\n]*[A-Za-z0-9.:]$|^[A-Za-z0-9]$")
# Clauses a standalone form may fill: "Based." / "Me: based" / "This. So much this."
_CLAUSE = re.compile(r"[^.!?\u2026;:\n()\[\]\"\u201c\u201d\u2013\u2014]+")
_EDGES = re.compile(r"^[^a-z0-9]+|[^a-z0-9]+$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def default_expressions_path() -> Path:
    """The glossary that ships with the package."""
    return Path(__file__).parent / "data" / "expressions.yaml"


@dataclass(frozen=True)
class Expression:
    """One glossary entry: how it is written, what it means in Chinese, and a builder using it."""

    phrase: str
    variants: tuple[str, ...]
    kind: ExpressionKind
    zh: str
    example: str
    note: str | None = None
    alone: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    case_sensitive: bool = False

    @property
    def forms(self) -> tuple[str, ...]:
        """Every surface form this entry answers to, the phrase first."""
        return tuple(dict.fromkeys((self.phrase, *self.variants, *self.alone)))

    @property
    def anywhere_forms(self) -> tuple[str, ...]:
        """The forms matched inside running text (those listed in `alone` are not)."""
        standalone = {_key(form) for form in self.alone}
        return tuple(form for form in (self.phrase, *self.variants) if _key(form) not in standalone)


class ExpressionFileError(ValueError):
    """A glossary file or entry that cannot be used, naming the entry and field for a person to fix."""

    def __init__(self, path: Path, where: str, reason: str) -> None:
        super().__init__(f"{path}: {where}: {reason}")
        self.path, self.where, self.reason = path, where, reason


class ExpressionGlossary:
    """The expressions, compiled into one pattern so `find` stays cheap on every library sentence."""

    def __init__(self, expressions: Sequence[Expression]) -> None:
        self.expressions: tuple[Expression, ...] = tuple(expressions)
        self._anywhere: dict[str, int] = {}
        self._alone: dict[str, int] = {}
        self._owner: dict[str, int] = {}
        for index, expression in enumerate(self.expressions):
            self._index(index, expression)
        # A clause much longer than the longest standalone form cannot be one; skip normalizing it.
        self._alone_limit = 2 * max((len(key) for key in self._alone), default=0) + 8
        self._pattern = _compile(self.expressions)
        self._vetoes: dict[int, re.Pattern[str]] = {
            index: _compile_unless(expression)
            for index, expression in enumerate(self.expressions)
            if expression.unless
        }

    @classmethod
    def load(cls, path: Path) -> ExpressionGlossary:
        """Read and validate a glossary file; the first problem raises `ExpressionFileError`."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ExpressionFileError(path, "file", f"not valid YAML: {error}") from error
        if not isinstance(data, dict) or not isinstance(data.get("expressions"), list):
            raise ExpressionFileError(path, "file", "expected a top-level 'expressions:' list")
        expressions = [_parse_entry(raw, number, path) for number, raw in enumerate(data["expressions"], 1)]
        try:
            return cls(expressions)
        except ValueError as error:
            raise ExpressionFileError(path, "expressions", str(error)) from error

    @classmethod
    def default(cls) -> ExpressionGlossary:
        """The bundled glossary, read fresh: callers that need it often should keep the instance."""
        return cls.load(default_expressions_path())

    def __len__(self) -> int:
        return len(self.expressions)

    def __iter__(self) -> Iterator[Expression]:
        return iter(self.expressions)

    def get(self, form: str) -> Expression | None:
        """The entry that answers to `form` (its phrase or any variant), if any."""
        index = self._owner.get(_key(form))
        return None if index is None else self.expressions[index]

    def find(self, sentence: str) -> list[Expression]:
        """The expressions used in `sentence`, in the order they first occur, each once."""
        text = sentence.translate(_FOLD)
        first_seen: dict[int, int] = {}
        for match in self._pattern.finditer(text):
            index = self._anywhere.get(_key(match.group()))
            if index is None or index in first_seen or self._vetoed(index, text, match.span()):
                continue
            first_seen[index] = match.start()
        if self._alone:
            for clause in _CLAUSE.finditer(text):
                if clause.end() - clause.start() > self._alone_limit:
                    continue
                index = self._alone.get(_alone_key(clause.group()))
                if index is not None and index not in first_seen:
                    first_seen[index] = clause.start()
        ordered = sorted(first_seen.items(), key=lambda item: item[1])
        return [self.expressions[index] for index, _ in ordered]

    def _index(self, index: int, expression: Expression) -> None:
        for form in expression.forms:
            key = _key(form)
            owner = self._owner.setdefault(key, index)
            if owner != index:
                other = self.expressions[owner].phrase
                raise ValueError(f"form {form!r} of {expression.phrase!r} is also a form of {other!r}")
        for form in expression.anywhere_forms:
            self._anywhere[_key(form)] = index
        for form in expression.alone:
            self._alone[_alone_key(form)] = index

    def _vetoed(self, index: int, text: str, span: tuple[int, int]) -> bool:
        veto = self._vetoes.get(index)
        if veto is None:
            return False
        start, end = span
        return any(m.start() < end and start < m.end() for m in veto.finditer(text))


# ---------------------------------------------------------------- matching


def _key(text: str) -> str:
    """The spelling-blind identity of a form: case, apostrophes and hyphen-vs-space do not count."""
    folded = text.translate(_FOLD).lower().replace("'", "")
    return re.sub(r"[\s-]+", " ", folded).strip()


def _alone_key(text: str) -> str:
    """A clause reduced to its words, so "Based 🔥" and "*based*" both read as "based"."""
    return _EDGES.sub("", _key(text))


def _form_pattern(form: str, case_sensitive: bool) -> str:
    tokens = [re.escape(token).replace("'", "'?") for token in re.split(r"[\s-]+", form.strip())]
    body = _GAP.join(tokens)
    return f"(?-i:{body})" if case_sensitive else body


def _compile(expressions: Sequence[Expression]) -> re.Pattern[str]:
    """One alternation, longest form first, bucketed by first letter so each word start tries few."""
    forms = [(form, e.case_sensitive) for e in expressions for form in e.anywhere_forms]
    forms.sort(key=lambda item: (-len(_key(item[0])), item[0]))
    buckets: dict[str, list[str]] = {}
    for form, case_sensitive in forms:
        buckets.setdefault(form[0].lower(), []).append(_form_pattern(form, case_sensitive))
    if not buckets:
        return re.compile(r"(?!x)x")
    branches = [f"(?={re.escape(first)})(?:{'|'.join(patterns)})" for first, patterns in buckets.items()]
    return re.compile(f"{_BEFORE}(?:{'|'.join(branches)}){_AFTER}", re.IGNORECASE)


def _compile_unless(expression: Expression) -> re.Pattern[str]:
    # Only a leading boundary: "IMO gold" should also veto "IMO gold-medal".
    patterns = [_form_pattern(form, expression.case_sensitive) for form in expression.unless]
    return re.compile(f"{_BEFORE}(?:{'|'.join(patterns)})", re.IGNORECASE)


# ---------------------------------------------------------------- reading


def _parse_entry(raw: Any, number: int, path: Path) -> Expression:
    label = f"expression #{number}"
    if not isinstance(raw, dict):
        raise ExpressionFileError(path, label, "each entry must be a mapping of fields")
    phrase = raw.get("phrase")
    if isinstance(phrase, str) and phrase.strip():
        label = f"expression #{number} ({phrase.strip()!r})"

    def fail(field: str, reason: str) -> ExpressionFileError:
        return ExpressionFileError(path, f"{label}, field {field!r}", reason)

    for field in raw:
        if field not in _FIELDS:
            raise fail(str(field), f"unknown field (known: {', '.join(_FIELDS)})")
    phrase = _form(raw, "phrase", fail)
    kind = _text(raw, "kind", fail)
    if kind not in KINDS:
        raise fail("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    zh = _text(raw, "zh", fail)
    if not _CJK.search(zh):
        raise fail("zh", "the explanation must be in Chinese")
    expression = Expression(
        phrase=phrase,
        variants=_forms(raw, "variants", fail),
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
        zh=zh,
        example=_text(raw, "example", fail),
        note=_text(raw, "note", fail) if raw.get("note") is not None else None,
        alone=_forms(raw, "alone", fail),
        unless=_forms(raw, "unless", fail),
        case_sensitive=_flag(raw, "case_sensitive", fail),
    )
    _check_forms(expression, fail)
    return expression


def _text(raw: Mapping[str, Any], field: str, fail: Any) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise fail(field, "required, and must be non-empty text")
    return value.strip()


def _form(raw: Mapping[str, Any], field: str, fail: Any) -> str:
    value = _text(raw, field, fail)
    if not _FORM_SHAPE.match(value):
        raise fail(field, f"{value!r} must start with a letter or digit and fit on one line")
    return value


def _forms(raw: Mapping[str, Any], field: str, fail: Any) -> tuple[str, ...]:
    value = raw.get(field)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail(field, "must be a list of quoted strings")
    forms = []
    for item in value:
        if not isinstance(item, str) or not _FORM_SHAPE.match(item.strip()):
            raise fail(field, f"{item!r} must be quoted text starting with a letter or digit")
        forms.append(item.strip())
    return tuple(forms)


def _flag(raw: Mapping[str, Any], field: str, fail: Any) -> bool:
    value = raw.get(field, False)
    if not isinstance(value, bool):
        raise fail(field, "must be true or false")
    return value


def _check_forms(expression: Expression, fail: Any) -> None:
    """Catch the mistakes that would silently make an entry match nothing or twice."""
    seen: set[str] = set()
    for form in (expression.phrase, *expression.variants):
        identity = form if expression.case_sensitive else _key(form)
        if identity in seen:
            raise fail("variants", f"{form!r} repeats another form of this entry")
        seen.add(identity)
    if expression.alone and expression.case_sensitive:
        raise fail("alone", "standalone forms are matched case-insensitively; drop case_sensitive")
    if not expression.anywhere_forms and not expression.alone:
        raise fail("phrase", "nothing left to match")
