"""Spaced retrieval practice: answered quiz items become review cards scheduled with FSRS."""
