"""Open Badges 3.0 micro-credentials: achievements, award rules, signed credentials, revocation, sharing."""

from plugin.credentials import course_achievements, rules

rules.install()
__all__ = ["course_achievements", "rules"]
