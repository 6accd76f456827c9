"""Pydantic models of code specs and platform specs."""
