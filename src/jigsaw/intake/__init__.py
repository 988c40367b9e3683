"""Intake: the public Report Abuse pages, the partner API and the report store."""
