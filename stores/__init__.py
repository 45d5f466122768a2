"""Stores, the locator, floor plans, tokens, and the database engine."""
