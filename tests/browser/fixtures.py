"""Browser fixtures live in their own module so that plain test runs never import Playwright."""
