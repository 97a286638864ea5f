"""Search protocols: rank partners and resources for every unpaired agent."""

from vmt.protocols.search import distance_discounted, random_walk  # noqa: F401
