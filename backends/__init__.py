"""hpcspec backends: one per site, built on shared scheduler, launcher and runtime layers."""
