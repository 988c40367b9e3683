"""Synthetic demo data, so a newcomer sees a working platform. Nothing here is real.

Every value comes from a range reserved for fiction or documentation: emails at
example.com/.org/.net, UK phone numbers in Ofcom's drama range (07700 900000-900999),
IP addresses from RFC 5737 / RFC 3849 documentation blocks.
"""
