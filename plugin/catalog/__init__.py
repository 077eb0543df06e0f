"""Courses: the content model, the package format, import and export."""
