"""Skills: frameworks (ESCO, CASE), role profiles, evidence and mastery estimates, gaps."""
