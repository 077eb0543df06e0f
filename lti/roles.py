"""The tool's role from the LTI roles claim (LTI Core 1.3 §5.3.7 and Appendix A.2).

Context roles decide what a person may do in this course. Institution and system roles only matter
when they make the person an administrator: a faculty member who takes a course as a learner is a
learner here.
"""

from __future__ import annotations

from collections.abc import Iterable

from lti.message import Role

VOCAB = "http://purl.imsglobal.org/vocab/lis/v2/"
CONTEXT_ROLE = VOCAB + "membership#"  # A.2.3 context roles
CONTEXT_SUB_ROLE = VOCAB + "membership/"  # A.2.3.1 sub-roles: membership/<Principal>#<Sub>
INSTITUTION_ROLE = VOCAB + "institution/person#"  # A.2.2
SYSTEM_ROLE = VOCAB + "system/person#"  # A.2.1

_CONTEXT: dict[str, Role] = {
    "Administrator": Role.INSTRUCTOR,
    "ContentDeveloper": Role.INSTRUCTOR,
    "Instructor": Role.INSTRUCTOR,
    "TeachingAssistant": Role.INSTRUCTOR,
    "Learner": Role.LEARNER,
    "Mentor": Role.LEARNER,
    "Member": Role.LEARNER,
    "Manager": Role.LEARNER,
    "Officer": Role.LEARNER,
}
_INSTITUTION: dict[str, Role] = {"Administrator": Role.ADMIN}
_SYSTEM: dict[str, Role] = {"Administrator": Role.ADMIN, "SysAdmin": Role.ADMIN}
_RANK = {Role.LEARNER: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2}


def _role_of(uri: str) -> Role:
    if uri.startswith(SYSTEM_ROLE):
        return _SYSTEM.get(uri[len(SYSTEM_ROLE) :], Role.LEARNER)
    if uri.startswith(INSTITUTION_ROLE):
        return _INSTITUTION.get(uri[len(INSTITUTION_ROLE) :], Role.LEARNER)
    if uri.startswith(CONTEXT_ROLE):
        return _CONTEXT.get(uri[len(CONTEXT_ROLE) :], Role.LEARNER)
    if uri.startswith(CONTEXT_SUB_ROLE):
        # A sub-role carries its principal's rights (A.2.3.1), even when the principal is not sent.
        principal = uri[len(CONTEXT_SUB_ROLE) :].split("#", 1)[0]
        return _CONTEXT.get(principal, Role.LEARNER)
    # LTI Core 1.3 A.2.3 deprecates short context roles ("Instructor"), but platforms still send them.
    return _CONTEXT.get(uri, Role.LEARNER)


def effective_role(roles: Iterable[str]) -> Role:
    """The strongest of the roles: admin > instructor > learner. No roles (allowed) is a learner."""
    best = Role.LEARNER
    for uri in roles:
        role = _role_of(uri)
        if _RANK[role] > _RANK[best]:
            best = role
    return best
