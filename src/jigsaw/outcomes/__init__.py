"""Outcomes: what came of each package (warrants, arrests, charges, convictions, children
safeguarded, offenders located, no further action) and the networks the centre disrupted."""
