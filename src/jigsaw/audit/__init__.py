"""The append-only, hash-chained audit log (UK Data Protection Act 2018 s.62)."""
