"""A stored xAPI statement as a row of the console's statement log: short enough for a phone, with the
whole statement one tap away."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StatementRow:
    id: str
    time: str  # UTC, to the second
    learner: str
    verb: str
    activity: str  # the activity's name, or its IRI when it has none
    activity_iri: str | None  # shown under the name; None when the IRI is what ``activity`` says
    result: str
    whole: str  # the statement as pretty JSON


def _utc(timestamp: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp  # shown as stored, rather than hiding a statement the LRS accepted
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _learner(actor: dict[str, Any]) -> str:
    account = actor.get("account") or {}
    return str(account.get("name") or actor.get("mbox") or actor.get("mbox_sha1sum") or actor.get("name") or "")


def _result(result: dict[str, Any] | None) -> str:
    """xAPI 1.0.3 §4.1.5 Result, said in a few words: score, success, completion."""
    if not result:
        return ""
    said = []
    score = result.get("score") or {}
    if "scaled" in score:
        said.append(f"score {float(score['scaled']):.0%}")
    elif "raw" in score:
        said.append(f"score {score['raw']}" + (f" of {score['max']}" if "max" in score else ""))
    if "success" in result:
        said.append("passed" if result["success"] else "failed")
    if result.get("completion"):
        said.append("completed")
    return ", ".join(said) or "other result"


def describe(statement: dict[str, Any]) -> StatementRow:
    target = statement.get("object") or {}
    iri = str(target.get("id", ""))
    names = ((target.get("definition") or {}).get("name") or {}).values()
    name = next(iter(names), None)
    verb = statement.get("verb") or {}
    display = verb.get("display") or {}
    return StatementRow(id=str(statement.get("id", "")), time=_utc(str(statement.get("timestamp", ""))),
                        learner=_learner(statement.get("actor") or {}),
                        verb=str(display.get("en-US") or next(iter(display.values()), None) or verb.get("id", "")),
                        activity=str(name or iri), activity_iri=iri if name else None,
                        result=_result(statement.get("result")), whole=json.dumps(statement, indent=2))
