"""Search protocols: rank partners and resources for every unpaired agent."""

from vmt.protocols.search import distance_discounted, market_aware, random_walk  # noqa: F401
