"""Sales and customer reporting: the catalog, sales lines from the form, files and the API, end customers,
reporting periods and their deadlines, deal registration, and the monthly roll-ups."""
