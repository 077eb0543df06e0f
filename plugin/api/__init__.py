"""The REST API under /api/v1: token authentication, OpenAPI document, course import/list/export."""
