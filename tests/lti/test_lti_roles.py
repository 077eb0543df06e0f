"""LTI Core 1.3 Appendix A.2 roles mapped to the tool's learner / instructor / admin."""

from __future__ import annotations

import pytest

from lti.message import Role
from lti.roles import effective_role

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
SUB = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
INST = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYS = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([], Role.LEARNER),
        ([M + "Learner"], Role.LEARNER),
        ([M + "Mentor"], Role.LEARNER),
        ([M + "Instructor"], Role.INSTRUCTOR),
        ([M + "ContentDeveloper"], Role.INSTRUCTOR),
        ([M + "Administrator"], Role.INSTRUCTOR),
        ([SUB + "Instructor#TeachingAssistant"], Role.INSTRUCTOR),
        ([SUB + "Learner#GuestLearner"], Role.LEARNER),
        (["Instructor"], Role.INSTRUCTOR),
        (["Learner"], Role.LEARNER),
        (["ContentDeveloper"], Role.INSTRUCTOR),
        (["Mentor"], Role.LEARNER),
        (["Administrator"], Role.INSTRUCTOR),
        ([INST + "Administrator"], Role.ADMIN),
        ([INST + "Faculty", M + "Learner"], Role.LEARNER),
        ([INST + "Instructor"], Role.LEARNER),
        ([INST + "Student"], Role.LEARNER),
        ([SYS + "Administrator"], Role.ADMIN),
        ([SYS + "SysAdmin"], Role.ADMIN),
        ([SYS + "User"], Role.LEARNER),
        ([M + "Learner", M + "Instructor"], Role.INSTRUCTOR),
        ([M + "Instructor", SYS + "Administrator", M + "Learner"], Role.ADMIN),
        (["urn:unknown:role", "Pirate"], Role.LEARNER),
        ([M + "Instructorx"], Role.LEARNER),
    ],
)
def test_effective_role(roles: list[str], expected: Role) -> None:
    assert effective_role(roles) is expected


def test_accepts_any_iterable() -> None:
    assert effective_role(iter([M + "Instructor"])) is Role.INSTRUCTOR
