"""Moved to :mod:`rmtsym.networks.signal_propagation`; the old name stays an alias of the same module."""
import sys

from ..networks import signal_propagation as _moved

sys.modules[__name__] = _moved
