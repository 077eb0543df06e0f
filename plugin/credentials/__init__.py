"""Open Badges 3.0 micro-credentials: achievements, award rules, signed credentials, revocation, sharing."""

from plugin.credentials import rules

rules.install()
