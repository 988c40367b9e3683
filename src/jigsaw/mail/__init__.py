"""Outgoing mail: an outbox table sent over SMTP with retries, so nothing is lost or sent twice."""
