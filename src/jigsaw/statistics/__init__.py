"""Statistics: the centre's headline figures, counted from the record for any period under
written counting rules, with month-by-month charts and the records behind each figure."""
