"""The learning plan: explained "what next" recommendations, the week's plan, streaks, an iCalendar feed."""
