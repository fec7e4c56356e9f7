"""Training and certification: courses, lessons, quizzes with limited attempts, and verifiable certificates."""
