"""Identity: users, logins, passwords, invitations."""
