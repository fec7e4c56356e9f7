"""Training and certification (issue 5)."""
