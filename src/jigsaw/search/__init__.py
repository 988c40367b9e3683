"""Search: one box for identifiers and references, found through the blind index, with a purpose."""
