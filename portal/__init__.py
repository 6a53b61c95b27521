"""The publishing system of a public register of international cooperation agreements."""

__version__ = "0.1.0"
