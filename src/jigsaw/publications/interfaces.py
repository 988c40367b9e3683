"""What other capabilities may use of publications: the suppression rule for anything public
(any capability that publishes counts should apply the same rule)."""

from jigsaw.publications.suppression import RULE_ID, RULE_TEXT, SYMBOL, PublicTable, suppress, suppress_value

__all__ = ["RULE_ID", "RULE_TEXT", "SYMBOL", "PublicTable", "suppress", "suppress_value"]
