"""CXM OFD replicator: an on-premises agent that pulls fiscal receipts from the retailer's
fiscal data operator (OFD) and pushes them, normalised, to CXM's receipt import API. The
OFD credentials never leave this machine."""

__version__ = "0.1.0"
