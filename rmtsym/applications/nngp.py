"""Moved to :mod:`rmtsym.networks.nngp`; the old name stays an alias of the same module."""
import sys

from ..networks import nngp as _moved

sys.modules[__name__] = _moved
