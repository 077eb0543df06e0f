"""What a course upload imported, carried to the page its redirect shows (Post/Redirect/Get).

Nothing else remembers an import's warnings, so they ride in the signed receipt
(:mod:`plugin.web.receipts`); the signature keeps a link from putting made-up messages on a page. Used by
the console's Content page and the instructors' Manage courses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from plugin.catalog.models import CourseVersion
from plugin.catalog.services import ImportResult
from plugin.web import receipts

KIND = "course-import"
SHOWN_WARNINGS = 20  # the receipt rides in a URL: servers and proxies refuse request lines past a few KB


@dataclass(frozen=True)
class ImportReceipt:
    version: CourseVersion
    created: bool
    warnings: list[str]
    more_warnings: int  # how many did not fit


def seal(result: ImportResult) -> str:
    warnings = [str(w) for w in result.warnings]
    return receipts.seal(KIND, {"version": result.version.id, "created": result.created,
                                "warnings": warnings[:SHOWN_WARNINGS],
                                "more_warnings": len(warnings[SHOWN_WARNINGS:])})


def unseal(session: Session, token: str | None, visible_course_ids: Iterable[int]) -> ImportReceipt | None:
    """The receipt, if genuine and of a course the viewer sees (a shared link shows nobody else's import)."""
    sealed = receipts.unseal(KIND, token)
    version = session.get(CourseVersion, sealed["version"]) if sealed else None
    if sealed is None or version is None or version.course_id not in set(visible_course_ids):
        return None
    return ImportReceipt(version, sealed["created"], sealed["warnings"], sealed["more_warnings"])
