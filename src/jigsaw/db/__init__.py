"""Storage plumbing shared by every capability: the declarative base, engines, migrations."""
