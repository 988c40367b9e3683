"""Routing: the recipients of intelligence (UK forces and international partners) and which one a package goes to."""
