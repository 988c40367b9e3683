"""Operations: coordinated action by many forces on a set of targets, a live board of what they
record, and sitreps that freeze the figures at a cut-off."""
