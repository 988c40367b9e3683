"""Case work: cases built from reports, their lifecycle, owners and actions log."""
