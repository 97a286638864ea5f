"""Matching protocols: turn ranked candidates into exclusive pairs."""

from vmt.protocols.matching import three_pass, greedy_surplus, random_matching  # noqa: F401
