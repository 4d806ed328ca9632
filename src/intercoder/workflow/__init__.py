"""Workflow steps built on the reliability engine: planning, gold, adjudication, certification, validating a machine coder."""
