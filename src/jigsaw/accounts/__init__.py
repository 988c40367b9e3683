"""Organisations, staff accounts, API tokens and sessions: who may do what."""
