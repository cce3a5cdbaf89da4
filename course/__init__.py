"""Instructor tooling: build the student release, autograde a class, report."""
