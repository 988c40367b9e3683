"""Publications: the annual review (figures from statistics, small numbers suppressed in public)
and the strategic threat assessment."""
