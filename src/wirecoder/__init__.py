"""wirecoder: code political and conflict news into PLOVER/CAMEO event data."""

__version__ = "0.1.0"
