"""hotelops: a terminal-first toolkit for a resort hotel's reservation and revenue office."""

__version__ = "0.1.0"
