"""Quiz item types. One class per type, registered in :data:`ITEM_TYPES`: adding a type is one class.

Each type knows its authoring schema (front matter), how to read a learner's answer from a form, how to
grade it (only ever on the server) and what the player may show (never the answer key).
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import regex
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugin.web.numbers import whole_number
from plugin.xapi.activities import Interaction

log = logging.getLogger("skillbite.catalog")

ITEM_TYPES: dict[str, type[ItemType]] = {}


@dataclass(frozen=True)
class ItemGrade:
    score: float  # 0..1 of the item's points
    correct: bool
    feedback: list[str] = field(default_factory=list)  # Markdown, shown to the learner
    response_text: str = ""  # a readable form of the answer, for xAPI


class Form(Mapping[str, list[str]]):
    """The submitted values for one item, by sub-field ("" for the item's own field)."""


class BaseItemSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,100}$", error=(
        "use 1–100 letters, digits, '-' or '_'")))
    type = fields.String(required=True)
    prompt = fields.String(required=True, validate=validate.Length(min=1))
    explanation = fields.String(load_default="")
    points = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=100))


class ChoiceSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1))
    correct = fields.Boolean(load_default=False)
    feedback = fields.String(load_default="")


class ItemType:
    """A kind of quiz item. Subclasses set ``name``, ``label``, ``schema`` and implement the methods."""

    name: ClassVar[str]
    label: ClassVar[str]
    schema: ClassVar[type[Schema]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ITEM_TYPES[cls.name] = cls

    @staticmethod
    def shuffled(spec: Mapping[str, Any], count: int) -> list[int]:
        """A fixed order per item (seeded by its id): the same page every time, never the answer order."""
        order = list(range(count))
        seed = int(hashlib.sha256(str(spec["id"]).encode()).hexdigest()[:8], 16)
        random.Random(seed).shuffle(order)  # noqa: S311 - presentation order, not security
        if count > 1 and order == sorted(order):
            order = order[1:] + order[:1]
        return order

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        """The learner's answer from form values (``form[""]`` is the item's own field)."""
        values = form.get("", [])
        return values[0].strip() if values else None

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        raise NotImplementedError

    def answered(self, response: Any) -> bool:
        """Whether ``response`` (from :meth:`read`) is an answer at all: a blank or unreadable one is not
        graded, and does not use up an attempt (a double tap, "2 days" in a number field)."""
        return response is not None and response != ""

    def blank_hint(self, spec: Mapping[str, Any]) -> str:
        """What to do when the answer is blank or unreadable."""
        return f"{self.label}."

    def solution(self, spec: Mapping[str, Any]) -> str:
        """The right answer in words, shown once the learner has no attempt left."""
        raise NotImplementedError

    def view(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """What the page may show: no answers."""
        return {}

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        """xAPI 1.0.3 §2.4.4.1: the interaction type and correct responses, for the question's definition."""
        return Interaction("other")

    def xapi_response(self, spec: Mapping[str, Any], response: Any) -> str | None:
        """The learner's response in the interaction's format (xAPI 1.0.3 §2.4.4.1.1, §2.4.5.5)."""
        return None if response is None else str(response)


class SingleChoice(ItemType):
    name, label = "single_choice", "Choose one answer"

    def solution(self, spec: Mapping[str, Any]) -> str:
        return str(next(c["text"] for c in spec["choices"] if c["correct"]))

    class schema(BaseItemSchema):  # noqa: N801
        choices = fields.List(fields.Nested(ChoiceSchema), required=True, validate=validate.Length(min=2))

        @validates_schema
        def one_correct(self, data: dict[str, Any], **_: Any) -> None:
            if sum(1 for c in data.get("choices", []) if c["correct"]) != 1:
                raise ValidationError("mark exactly one choice `correct: true`", "choices")

    def view(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        return {"choices": [(i, spec["choices"][i]["text"]) for i in range(len(spec["choices"]))]}

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        return whole_number(super().read(spec, form), high=len(spec["choices"]) - 1)

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        if response is None:
            return ItemGrade(0.0, False, ["Choose one answer."])
        choice = spec["choices"][response]
        return ItemGrade(1.0 if choice["correct"] else 0.0, bool(choice["correct"]),
                         [choice["feedback"]] if choice["feedback"] else [], choice["text"])

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        correct = next(f"c{i}" for i, c in enumerate(spec["choices"]) if c["correct"])
        return Interaction("choice", (correct,), choices=_components("c", [c["text"] for c in spec["choices"]]))

    def xapi_response(self, spec: Mapping[str, Any], response: Any) -> str | None:
        return None if response is None else f"c{response}"


class MultipleResponse(ItemType):
    name, label = "multiple_response", "Choose all that apply"

    def solution(self, spec: Mapping[str, Any]) -> str:
        return "; ".join(c["text"] for c in spec["choices"] if c["correct"])

    class schema(BaseItemSchema):  # noqa: N801
        choices = fields.List(fields.Nested(ChoiceSchema), required=True, validate=validate.Length(min=2))

        @validates_schema
        def some_correct(self, data: dict[str, Any], **_: Any) -> None:
            if not any(c["correct"] for c in data.get("choices", [])):
                raise ValidationError("mark at least one choice `correct: true`", "choices")

    def view(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        return {"choices": [(i, c["text"]) for i, c in enumerate(spec["choices"])]}

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        chosen = (whole_number(v, high=len(spec["choices"]) - 1) for v in form.get("", []))
        return sorted({c for c in chosen if c is not None})

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        chosen = set(response or [])
        expected = {i for i, c in enumerate(spec["choices"]) if c["correct"]}
        feedback = [spec["choices"][i]["feedback"] for i in sorted(chosen) if spec["choices"][i]["feedback"]]
        correct = chosen == expected
        if not correct and chosen < expected:
            feedback.append("Some correct answers are missing.")
        text = "; ".join(spec["choices"][i]["text"] for i in sorted(chosen))
        return ItemGrade(1.0 if correct else 0.0, correct, feedback, text)

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        correct = "[,]".join(f"c{i}" for i, c in enumerate(spec["choices"]) if c["correct"])
        return Interaction("choice", (correct,), choices=_components("c", [c["text"] for c in spec["choices"]]))

    def xapi_response(self, spec: Mapping[str, Any], response: Any) -> str | None:
        return "[,]".join(f"c{i}" for i in response or [])

    def answered(self, response: Any) -> bool:
        return bool(response)  # at least one choice: every item has a correct one


class TrueFalse(ItemType):
    name, label = "true_false", "True or false"

    def solution(self, spec: Mapping[str, Any]) -> str:
        return "True" if spec["answer"] else "False"

    class schema(BaseItemSchema):  # noqa: N801
        answer = fields.Boolean(required=True)
        feedback_true = fields.String(load_default="")
        feedback_false = fields.String(load_default="")

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        raw = super().read(spec, form)
        return {"true": True, "false": False}.get(raw or "")

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        if response is None:
            return ItemGrade(0.0, False, ["Choose true or false."])
        note = spec["feedback_true"] if response else spec["feedback_false"]
        correct = response == spec["answer"]
        return ItemGrade(1.0 if correct else 0.0, correct, [note] if note else [], str(response).lower())

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        return Interaction("true-false", (str(bool(spec["answer"])).lower(),))

    def xapi_response(self, spec: Mapping[str, Any], response: Any) -> str | None:
        return None if response is None else str(bool(response)).lower()


class Numeric(ItemType):
    name, label = "numeric", "Enter a number"

    def solution(self, spec: Mapping[str, Any]) -> str:
        within = f" (± {float(spec['tolerance']):g})" if spec["tolerance"] else ""
        unit = f" {spec['unit']}" if spec["unit"] else ""
        return f"{float(spec['answer']):g}{unit}{within}"

    class schema(BaseItemSchema):  # noqa: N801
        answer = fields.Float(required=True, allow_nan=False)
        tolerance = fields.Float(load_default=0.0, validate=validate.Range(min=0))
        unit = fields.String(load_default="")
        feedback_correct = fields.String(load_default="")
        feedback_incorrect = fields.String(load_default="")

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        raw = (super().read(spec, form) or "").replace(",", ".").replace(" ", "")
        try:
            value = float(raw)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def view(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        return {"unit": spec["unit"]}

    def blank_hint(self, spec: Mapping[str, Any]) -> str:
        unit = f" (in {spec['unit']}, without the unit)" if spec["unit"] else ""
        return f"Enter a number{unit}, for example 12 or 3.5."

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        if response is None:
            return ItemGrade(0.0, False, ["Enter a number, for example 12 or 3.5."])
        correct = abs(float(response) - float(spec["answer"])) <= float(spec["tolerance"]) + 1e-9
        note = spec["feedback_correct"] if correct else spec["feedback_incorrect"]
        return ItemGrade(1.0 if correct else 0.0, correct, [note] if note else [], f"{response:g}")

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        answer, tolerance = float(spec["answer"]), float(spec["tolerance"])
        pattern = f"{answer:g}" if not tolerance else f"{answer - tolerance:g}[:]{answer + tolerance:g}"
        return Interaction("numeric", (pattern,))


# Python's re backtracks without limit: a pattern with nested repetition took 68 s on a 41-character answer.
# Patterns run on the `regex` module with a time limit instead; a sane one matches in microseconds.
PATTERN_SECONDS = 0.05


def slow_pattern_probes(pattern: str) -> list[str]:
    """Answers that make such patterns backtrack, tried once at import so the author hears of it, not a
    learner: a long run of word characters, then one the pattern may require there (``x`` in ``(\\w|\\w)+x``),
    then a character that makes the match fail at the very end."""
    tails = sorted({""} | {c for c in pattern if c.isalnum() or c in ".,;:!?-'"})[:40]
    return [body + tail + "!" for body in ("a" * 30, "1" * 30, "ab " * 12) for tail in tails]


def pattern_matches(pattern: str, answer: str, case_sensitive: bool, raise_on_timeout: bool = False) -> bool:
    """Whether ``answer`` matches all of ``pattern``; one that runs out of time counts as not matching."""
    try:
        return regex.fullmatch(pattern, answer, 0 if case_sensitive else regex.IGNORECASE,
                               timeout=PATTERN_SECONDS) is not None
    except TimeoutError:
        if raise_on_timeout:
            raise
        log.warning("a short-answer pattern ran out of time; the answer counts as not matching")
        return False


class ShortText(ItemType):
    name, label = "short_text", "Type a short answer"
    # The answer box's size: a longer answer is refused, not stored, graded or sent to the LRS.
    MAX_LENGTH = 500

    def solution(self, spec: Mapping[str, Any]) -> str:
        return " or ".join(spec["accepted"]) if spec["accepted"] else "see the explanation"

    class schema(BaseItemSchema):  # noqa: N801
        accepted = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
        patterns = fields.List(fields.String(), load_default=list)
        case_sensitive = fields.Boolean(load_default=False)
        feedback_correct = fields.String(load_default="")
        feedback_incorrect = fields.String(load_default="")

        @validates_schema
        def answers(self, data: dict[str, Any], **_: Any) -> None:
            if not data.get("accepted") and not data.get("patterns"):
                raise ValidationError("give `accepted:` answers or `patterns:` (regular expressions)", "accepted")
            for index, pattern in enumerate(data.get("patterns", [])):
                try:
                    regex.compile(pattern)
                    for probe in slow_pattern_probes(pattern):
                        pattern_matches(pattern, probe, case_sensitive=False, raise_on_timeout=True)
                except regex.error as exc:
                    raise ValidationError(f"pattern {index + 1} is not a valid regular expression ({exc})",
                                          "patterns") from None
                except TimeoutError:
                    raise ValidationError(
                        f"pattern {index + 1} takes too long to check on some answers: a repetition inside a "
                        "repetition, such as `(a|a)+` or `(\\w+\\s?)+`, tries every way to split an answer. "
                        "Write it with one repetition (for example `[\\w\\s]+`) or list the `accepted:` answers",
                        "patterns") from None

    # Sentence punctuation around an answer ("Listen.", "ALWAYS!", "“ask”") does not make it another answer.
    _AROUND = " \t.,;:!?¡¿\"'“”‘’«»()"

    @classmethod
    def _norm(cls, text: str, case_sensitive: bool) -> str:
        text = " ".join(text.split()).strip(cls._AROUND)
        return text if case_sensitive else text.casefold()

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        answer = super().read(spec, form)
        return None if answer is not None and len(answer) > self.MAX_LENGTH else answer

    def blank_hint(self, spec: Mapping[str, Any]) -> str:
        return f"Type a short answer, at most {self.MAX_LENGTH} characters."

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        answer = (response or "")[:self.MAX_LENGTH]
        if not answer:
            return ItemGrade(0.0, False, ["Type an answer."])
        cs = bool(spec["case_sensitive"])
        correct = any(self._norm(answer, cs) == self._norm(a, cs) for a in spec["accepted"]) or any(
            pattern_matches(p, answer.strip(), cs) for p in spec["patterns"])
        note = spec["feedback_correct"] if correct else spec["feedback_incorrect"]
        return ItemGrade(1.0 if correct else 0.0, correct, [note] if note else [], answer)

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        # Patterns cannot be written in xAPI's response syntax; the accepted answers can.
        case = "{case_matters=true}" if spec["case_sensitive"] else "{case_matters=false}"
        return Interaction("fill-in", tuple(case + answer for answer in spec["accepted"]))


class Ordering(ItemType):
    """Put steps in order. Without JavaScript each step gets a position selector; partial credit per step."""

    name, label = "ordering", "Put in order"

    def solution(self, spec: Mapping[str, Any]) -> str:
        return " → ".join(spec["order"])

    class schema(BaseItemSchema):  # noqa: N801
        order = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                            validate=validate.Length(min=2, error="list at least 2 steps, in the right order"))

    def view(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        steps = spec["order"]
        return {"steps": [(i, steps[i]) for i in self.shuffled(spec, len(steps))],
                "positions": list(range(1, len(steps) + 1))}

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        count = len(spec["order"])
        placed: dict[int, int] = {}
        for step in range(count):
            position = whole_number((form.get(str(step)) or [""])[0], low=1, high=count)
            if position is not None:
                placed[step] = position
        if len(placed) != count or len(set(placed.values())) != count:
            return None
        return [step for step, _ in sorted(placed.items(), key=lambda kv: kv[1])]

    def blank_hint(self, spec: Mapping[str, Any]) -> str:
        return f"Give each step a different position from 1 to {len(spec['order'])}."

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        count = len(spec["order"])
        if response is None:
            return ItemGrade(0.0, False, [f"Give each step a different position from 1 to {count}."])
        right = sum(1 for pos, step in enumerate(response) if pos == step)
        text = " → ".join(spec["order"][s] for s in response)
        note = [] if right == count else [f"{right} of {count} steps are in the right place."]
        return ItemGrade(right / count, right == count, note, text)

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        steps = spec["order"]
        return Interaction("sequencing", ("[,]".join(f"s{i}" for i in range(len(steps))),),
                           choices=_components("s", steps))

    def xapi_response(self, spec: Mapping[str, Any], response: Any) -> str | None:
        return None if response is None else "[,]".join(f"s{step}" for step in response)


class Matching(ItemType):
    name, label = "matching", "Match each item"

    def solution(self, spec: Mapping[str, Any]) -> str:
        return "; ".join(f"{p['left']} = {p['right']}" for p in spec["pairs"])

    class PairSchema(Schema):
        left = fields.String(required=True, validate=validate.Length(min=1))
        right = fields.String(required=True, validate=validate.Length(min=1))

    class schema(BaseItemSchema):  # noqa: N801
        pairs = fields.List(fields.Nested(lambda: Matching.PairSchema), required=True,
                            validate=validate.Length(min=2, error="give at least 2 `pairs` (left/right)"))

        @validates_schema
        def distinct(self, data: dict[str, Any], **_: Any) -> None:
            rights = [p["right"] for p in data.get("pairs", [])]
            if len(set(rights)) != len(rights):
                raise ValidationError("each `right` must be different, or the match is ambiguous", "pairs")

    def view(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        pairs = spec["pairs"]
        return {"lefts": [(i, p["left"]) for i, p in enumerate(pairs)],
                "rights": [(i, pairs[i]["right"]) for i in self.shuffled(spec, len(pairs))]}

    def read(self, spec: Mapping[str, Any], form: Mapping[str, list[str]]) -> Any:
        count = len(spec["pairs"])
        chosen: list[int | None] = []
        for left in range(count):
            chosen.append(whole_number((form.get(str(left)) or [""])[0], high=count - 1))
        return chosen

    def answered(self, response: Any) -> bool:
        return bool(response) and all(r is not None for r in response)

    def grade(self, spec: Mapping[str, Any], response: Any) -> ItemGrade:
        pairs = spec["pairs"]
        chosen: Sequence[int | None] = response or [None] * len(pairs)
        right = sum(1 for left, r in enumerate(chosen) if r == left)
        text = "; ".join(f"{p['left']} = {pairs[r]['right'] if r is not None else '?'}"
                         for p, r in zip(pairs, chosen, strict=True))
        note = [] if right == len(pairs) else [f"{right} of {len(pairs)} matches are right."]
        return ItemGrade(right / len(pairs), right == len(pairs), note, text)

    def interaction(self, spec: Mapping[str, Any]) -> Interaction:
        pairs = spec["pairs"]
        return Interaction("matching", ("[,]".join(f"l{i}[.]r{i}" for i in range(len(pairs))),),
                           source=_components("l", [p["left"] for p in pairs]),
                           target=_components("r", [p["right"] for p in pairs]))

    def xapi_response(self, spec: Mapping[str, Any], response: Any) -> str | None:
        return "[,]".join(f"l{left}[.]r{right}" for left, right in enumerate(response or []) if right is not None)


def _components(prefix: str, texts: Sequence[str]) -> tuple[tuple[str, Mapping[str, str]], ...]:
    """Interaction components (xAPI 1.0.3 §2.4.4.1.2): stable ids by position, the text as description.

    "und" (BCP 47: undetermined): an item does not know its course's language; the statement's
    ``context.language`` carries it.
    """
    return tuple((f"{prefix}{i}", {"und": text}) for i, text in enumerate(texts))


def item_type(name: str) -> ItemType:
    return ITEM_TYPES[name]()


def load_item(raw: Any) -> tuple[dict[str, Any] | None, dict[str | int, Any]]:
    """Validate one authored item: (spec, {}) or (None, marshmallow-style errors)."""
    if not isinstance(raw, dict):
        return None, {"_schema": ["each item must be a mapping with `id`, `type` and `prompt`"]}
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in ITEM_TYPES:
        known = ", ".join(sorted(ITEM_TYPES))
        return None, {"type": [f"unknown item type {kind!r}: use one of {known}"]}
    try:
        return ITEM_TYPES[kind].schema().load(raw), {}
    except ValidationError as exc:
        return None, exc.messages  # type: ignore[return-value]
