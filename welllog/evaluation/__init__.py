"""Blind evaluation: metrics, splits (wells / depth blocks, never random rows), family comparison."""
