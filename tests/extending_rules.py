"""Bargaining rules written against the public contract, for the extension tests.

``share_rule`` is plain Python; the tests compile the same source with
numba and expect identical trades. ``overpaying_rule`` breaks the contract on
purpose: the buyer pays ten times the seller's ask, which lowers its utility.
"""

from pydantic import Field

from vmt.extend import NO_TRADE, ProtocolParams, exchange_pairs_by_gap, largest_block_at, payment_at


class ShareParams(ProtocolParams):
    buyer_share: float = Field(0.5, ge=0.0, le=1.0)  # the buyer's share of the quote gap


def share_rule(i, j, state, params):
    """Price at the buyer's share of the quote gap, largest block both gain from."""
    count, ks, buyers, sellers = exchange_pairs_by_gap(i, j, state)
    for c in range(count):
        k, b, s = ks[c], buyers[c], sellers[c]
        price = state.bid[b, k] - params.buyer_share * (state.bid[b, k] - state.ask[s, k])
        q1, q2 = largest_block_at(state, k, b, s, price)
        if q1 > 0:
            return k, b, s, q1, q2
    return NO_TRADE


def overpaying_rule(i, j, state, params):
    """One unit at ten times the seller's ask: the buyer loses."""
    count, ks, buyers, sellers = exchange_pairs_by_gap(i, j, state)
    if count == 0:
        return NO_TRADE
    k, b, s = ks[0], buyers[0], sellers[0]
    return k, b, s, 1, payment_at(state, k, 1, 10.0 * state.ask[s, k])


def install_plugin(root, module: str, source: str, entry: str = "plugin"):
    """A package ``module`` whose ``__init__`` is ``source``, installed under
    ``root`` as distribution ``module`` 0.1 (dashes for underscores) with a
    ``vmt.plugins`` entry point; returns ``root`` (put it on ``sys.path``)."""
    (root / module).mkdir()
    (root / module / "__init__.py").write_text(source)
    info = root / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[vmt.plugins]\n{entry} = {module}\n")
    return root
