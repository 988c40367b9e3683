"""Which identifiers may join subjects (pure: no web or database imports).

One value that many unrelated people share (a carrier-grade NAT address, ``noreply@…``, a phone
number typed as zeros) would otherwise weld thousands of strangers into one "network", the way
MISP's pairwise correlation table exploded (docs/design/linking.md §1). Two guards stop that:

* a **known-shared list**: ranges and placeholder values that never join, whatever their count;
* a **fan-out cap**: a value seen for more than ``fan_out_cap`` distinct subjects stops joining.

Neither guard hides anything: capped values are listed to analysts with the reason and the count,
so a capped value can still be followed by hand.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_FAN_OUT_CAP = 50
FAN_OUT = "fan_out"  # reason recorded for a value over the cap

# Carrier-grade NAT (RFC 6598), private, loopback, link-local, documentation and unspecified ranges:
# thousands of unrelated users sit behind each of these, or they are not real addresses at all.
DEFAULT_SHARED_NETWORKS: tuple[str, ...] = (
    "100.64.0.0/10", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
    "0.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "255.255.255.255/32",
    "::1/128", "::/128", "fc00::/7", "fe80::/10", "2001:db8::/32",
)
# Mailbox names that mean "nobody": placeholders typed into forms, platform senders.
DEFAULT_PLACEHOLDER_LOCALS: frozenset[str] = frozenset({
    "noreply", "no-reply", "donotreply", "do-not-reply", "test", "unknown", "none", "null", "nobody",
    "example", "anonymous", "admin", "info", "user", "nomail", "noemail", "na", "n/a",
})
# Domains that are reserved for examples (RFC 2606) or are obviously placeholders.
DEFAULT_PLACEHOLDER_DOMAINS: frozenset[str] = frozenset({
    "example.com", "example.org", "example.net", "test.com", "test", "invalid", "localhost", "example",
    "mailinator.com", "none.com", "unknown.com",
})
# Usernames that platforms show for deleted or hidden accounts.
DEFAULT_PLACEHOLDER_USERNAMES: frozenset[str] = frozenset({
    "deleted", "[deleted]", "unknown", "anonymous", "user", "none", "null", "n/a", "facebook user",
    "instagram user", "deleted user", "deleted account",
})


@dataclass(frozen=True)
class LinkingConfig:
    """The knobs of entity resolution. Change them, then rebuild, for them to apply to the past."""

    fan_out_cap: int = DEFAULT_FAN_OUT_CAP
    shared_networks: tuple[str, ...] = DEFAULT_SHARED_NETWORKS
    shared_values: frozenset[str] = frozenset()  # exact identifier keys ("type|platform|value")
    placeholder_locals: frozenset[str] = DEFAULT_PLACEHOLDER_LOCALS
    placeholder_domains: frozenset[str] = DEFAULT_PLACEHOLDER_DOMAINS
    placeholder_usernames: frozenset[str] = DEFAULT_PLACEHOLDER_USERNAMES
    community_min_size: int = 30  # components at least this large get Leiden communities
    _networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if self.fan_out_cap < 1:
            raise ValueError("the fan-out cap must be at least 1")
        nets = tuple(ipaddress.ip_network(n, strict=False) for n in self.shared_networks)
        object.__setattr__(self, "_networks", nets)

    @property
    def networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return self._networks


_SEQUENCES = ("0123456789", "1234567890", "9876543210")


def known_shared_reason(type_: str, value: str, platform: str | None, config: LinkingConfig) -> str | None:
    """Why this canonical identifier never joins subjects, or ``None`` when it may.

    Works on the canonical value from :mod:`jigsaw.identifiers`; the caller decrypts it
    in memory for this check only.
    """
    if f"{type_}|{platform or ''}|{value}" in config.shared_values:
        return "known_shared:configured"
    if type_ == "ip":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return None
        for net in config.networks:
            if address.version == net.version and address in net:
                return f"known_shared:range {net}"
        return None
    if type_ == "email":
        local, _, domain = value.rpartition("@")
        if local in config.placeholder_locals or local.split("+")[0] in config.placeholder_locals:
            return "known_shared:placeholder email"
        if domain in config.placeholder_domains:
            return "known_shared:placeholder domain"
        return None
    if type_ == "phone":
        digits = value.lstrip("+")
        national = digits[2:] if digits.startswith("44") else digits
        significant = national.lstrip("0")
        if len(set(significant)) <= 1 or any(significant in seq or seq.startswith(significant) for seq in _SEQUENCES):
            return "known_shared:placeholder phone"
        return None
    if type_ == "username" and value in config.placeholder_usernames:
        return "known_shared:placeholder username"
    return None


def joins(subject_count: int, shared_reason: str | None, config: LinkingConfig) -> bool:
    """Whether a value held by ``subject_count`` distinct subjects joins them."""
    return shared_reason is None and subject_count <= config.fan_out_cap


def cap_reason(subject_count: int, shared_reason: str | None, config: LinkingConfig) -> str | None:
    """The reason shown to analysts for a value that does not join (``None`` when it joins)."""
    if shared_reason is not None:
        return shared_reason
    if subject_count > config.fan_out_cap:
        return FAN_OUT
    return None


def crossed_cap(before: Iterable[int], after: int, config: LinkingConfig) -> bool:
    """True when a value whose parts joined (each within the cap) no longer does.

    ``before`` holds the subject counts of the keys merged into this one (a single count when a
    value just gained holders; several when image groups merged).
    """
    return after > config.fan_out_cap and any(0 < b <= config.fan_out_cap for b in before)
