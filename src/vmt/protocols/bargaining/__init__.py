"""Bargaining protocols: what a pair in interaction range agrees to trade."""
