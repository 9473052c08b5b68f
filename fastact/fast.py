"""fastact.fast: every function of ``fastact``, faster where a faster kernel exists.

``from fastact import fast as act`` switches a whole model: ``act.gelu(x)``.  The functions
with their own fast kernels (``fastact.registry.FAST``) trade accuracy for speed within
claims stated per dtype (``fastact list`` shows them; at most 4 float32 ULP, float16 still
within 0.501 ULP); the same formula, parameters and special values as the exact function.
Every other name is the exact ufunc itself (``fast.relu is fastact.relu``): its kernel is
already as fast as the peers'.  Importing this module compiles nothing.
"""

from __future__ import annotations

from . import _lazy, registry
from .registry import NAMES

__all__ = list(NAMES)

__getattr__, __dir__ = _lazy.namespace(__name__, NAMES, registry.get_fast)
