"""Semantic checks run after schema validation."""
