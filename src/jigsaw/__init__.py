"""Jigsaw: an open-source platform for a national online child-protection centre.

Each capability lives in its own subpackage with a pure core (domain logic, no web or
database imports) and thin adapters (storage, HTTP routes, CLI). ``jigsaw.web`` and
``jigsaw.cli`` only compose what the capabilities offer.
"""

__version__ = "0.1.0"
