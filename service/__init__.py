"""Customer service: partners' support cases to the brand, their service levels and the brand's queue."""
