"""Partner organisations, the region tree and who covers which region."""
