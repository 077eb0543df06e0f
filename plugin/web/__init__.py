"""Web plumbing shared by every feature: the request's DB session, errors, headers, CSRF."""
