"""Duty alerts: a child in danger now reaches a person at once, and escalates if nobody answers."""
