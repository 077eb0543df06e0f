"""A graded link opened by a learner who already finished its content: the earned grade, queued by the launch.

Scores otherwise follow learning events (:mod:`plugin.grades.services`). A learner who completed a course,
module or quiz nugget elsewhere (another link, the catalog, another LMS course) and then opens a new graded
link to it has nothing left to do there, and a passed nugget takes no new attempt, so no event would
ever fill that gradebook column. The launch queues the final score instead, in its own transaction,
under the same outbox key a learning event would use: queued once, however often the link is opened,
and a later better result (a new version of the course completed) is still sent by its own event.

Only a final result is queued. Progress made elsewhere but not finished is no grade (a Pending score
carries none that Moodle or Canvas would keep), and the learner finishes it in this link, whose learning
events report the progress and then the final score as usual.

Runs on every launch: no query without a learner, a resource link and an AGS claim with a line item and
the score scope; one query when nothing is finished.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lti import claims
from plugin.catalog.models import CourseVersion
from plugin.deep_linking.targets import target_of
from plugin.grades.results import earned_result
from plugin.grades.services import queue_score, score_key, scoring_claim
from plugin.launch.models import LaunchSession
from plugin.outbox.models import OutboxMessage


def queue_earned_score(session: Session, launch: LaunchSession) -> None:
    """Queue the final score of the link's content when this learner has already earned it.

    ``launch``: the session :func:`plugin.launch.services.open_launch_session` just opened, with its user
    and resource link. The caller commits.
    """
    if launch.message_type != claims.RESOURCE_LINK_REQUEST or "ags" not in launch.services:
        return
    ags = scoring_claim(launch)
    # AGS 2.0 (the endpoint claim): a link with a single gradebook column carries its ``lineitem``, as
    # every graded link deep linking made does. Without one, a score would make the worker create a
    # column (plugin.grades.delivery): a launch alone should not.
    if ags is None or not ags.get("lineitem") or launch.user is None or launch.resource_link is None:
        return
    target = target_of(launch.resource_link.custom)
    if target is None or target.kind == "pathway":
        return
    earned = earned_result(session, launch.platform_id, launch.user.id, target)
    if earned is None:
        return
    key = score_key(launch.resource_link.id, launch.user.id, earned.enrolment_id, earned.score)
    if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return  # queued before (by this launch's predecessors or by the learning event itself)
    version = session.get(CourseVersion, earned.version_id)
    queue_score(session, launch, ags, target, earned.enrolment_id, version.title if version else "",
                earned.score, launch.created_at)
