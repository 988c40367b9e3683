"""Education programme records: deliverers, sessions and surveys, and the reach the annual review reports."""
