"""Learner progress: enrolments per course version, nugget progress, answers, time on task."""
