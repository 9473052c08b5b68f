"""fastact.grad: derivatives of the activations as NumPy ufuncs, built on first access.

``fastact.grad.gelu(x)`` is gelu'(x); a parameterised function also has the derivative in
each parameter (``fastact.grad.elu_alpha(x, alpha)``), with the same inputs as the function.
softmax and log_softmax have vector-Jacobian products, gufuncs of the forward output and the
upstream gradient: ``fastact.grad.softmax(y, dy, axis=-1)``.  Declared in
``fastact.registry.DERIVATIVES``; importing this module compiles nothing::

    from fastact import grad
    dx = dy * grad.gelu(x)
"""

from __future__ import annotations

from . import _lazy, registry
from .registry import GRAD_NAMES

__all__ = list(GRAD_NAMES)

__getattr__, __dir__ = _lazy.namespace(__name__, GRAD_NAMES, registry.get_grad)
