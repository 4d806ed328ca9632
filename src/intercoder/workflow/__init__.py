"""Workflow steps on the reliability engine: plan, gold, adjudicate, certify, validate a coder."""
