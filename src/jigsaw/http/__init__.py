"""HTTP plumbing every capability's routes use: the request's database session and transaction,
the access gate, security headers and limits, and template rendering. Composition (the app
itself) lives in :mod:`jigsaw.web`."""
