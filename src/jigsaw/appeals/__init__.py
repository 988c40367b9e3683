"""Most Wanted: appeals for missing offenders, their public pages, anonymous sightings and email alerts."""
