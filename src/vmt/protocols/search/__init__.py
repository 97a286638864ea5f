"""Search protocols: rank partners and resources for every unpaired agent."""
