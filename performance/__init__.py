"""Scorecards, channel evaluation and coverage (issue 6)."""
