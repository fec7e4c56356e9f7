"""Sales and customer reporting (issue 4): catalog, sales lines, end customers, deal registration."""
