"""xAPI: every learning event as statements of the Skillbite profile (docs/xapi-profile.md), delivered to
the employer's LRS through the outbox, and kept in a local statement log."""
