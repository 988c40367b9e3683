"""Linking: normalised identifiers, observations, subjects, networks and series."""
