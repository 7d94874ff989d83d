"""Mail sender rules: a full address, or ``@domain`` for every sender at that domain."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SenderRules:
    """Address → operator code; a full-address rule wins over a domain rule."""

    addresses: dict[str, str] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> SenderRules:
        """Build from ``(pattern, operator_code)`` pairs."""
        rules = cls()
        for pattern, operator_code in pairs:
            key = pattern.strip().lower()
            if key.startswith("@"):
                rules.domains[key[1:]] = operator_code
            else:
                rules.addresses[key] = operator_code
        return rules

    def match(self, address: str) -> str | None:
        """The operator code for a sender address, or None."""
        address = address.strip().lower()
        if not address:
            return None
        if address in self.addresses:
            return self.addresses[address]
        domain = address.rpartition("@")[2]
        # A rule for example.com also covers mail.example.com.
        while domain:
            if domain in self.domains:
                return self.domains[domain]
            _, _, domain = domain.partition(".")
        return None
