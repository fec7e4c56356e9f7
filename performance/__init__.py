"""How partners perform: sales targets, KPIs, versioned scoring rules, scorecards (page and PDF), the channel
evaluation, segments and coverage of regions."""
