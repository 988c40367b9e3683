"""Dissemination: intelligence packages, four-eyes approval, dispatch, the force's inbox and exports."""
