"""Matching protocols: turn ranked candidates into exclusive pairs."""
