"""Row functions (the softmax family): the peers' call shapes on top of real gufuncs.

``fastact.softmax`` is a ``RowFunction``: a thin callable around the gufunc
``fastact.softmax.ufunc`` (``(n)->(n)``, a real ``numpy.ufunc``) and, for a mask, the
gufunc ``fastact.softmax.masked`` (``(n),(n)->(n)`` of x and a bool mask).  A bare
gufunc cannot take ``axis=None``, a tuple of axes, 0-d input or JAX's ``where=`` mask
(NumPy parses its ``axis=`` as one int and its ``where=`` means "leave out untouched"),
so this layer does, and nothing else:

* ``axis``: an int goes to the gufunc as is; a tuple (sorted, so its order does not
  matter) or ``None`` (all axes) moves the axes last and merges them into one row, in
  the C order of the named axes (so the bits do not depend on the memory order); 0-d
  input is a row of one element (softmax 1.0, log_softmax 0.0).
* ``where``: a bool mask broadcasting to the input; masked entries give 0 (log_softmax
  -inf) and take no part in the max and the sum; a fully masked row gives 0 (-inf).
* ``out=`` and dtype preservation are the gufunc's; other array types (Dask) reach the
  gufunc through ``__array_ufunc__``, after a check that each named axis is whole
  within a chunk.

Errors name the function: an out-of-range or repeated axis, a mask that does not
broadcast, a Dask axis split over chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple


def _operand(a: Any) -> Any:
    # arrays of other libraries (Dask, ...) keep their type and reach the gufunc through
    # __array_ufunc__; scalars and lists become ndarrays (as a ufunc would make them)
    if isinstance(a, np.ndarray) or (hasattr(a, "__array_ufunc__") and hasattr(a, "shape")):
        return a
    return np.asarray(a)


class RowFunction:
    """A function along an axis, ``f(*inputs, out=None, axis=-1, where=None)``; see the module doc."""

    def __init__(self, act: Any, ufunc: np.ufunc) -> None:
        self.ufunc = ufunc  # the gufunc (n)->(n): a real numpy.ufunc
        self._act = act
        self._masked: np.ufunc | None = None
        self.__name__ = self.__qualname__ = act.path
        args = ", ".join(act.arg_names)
        lines = [
            f"{act.path}({args}, /, out=None, *, axis=-1, where=None)",
            "",
            act.formula,
            "",
            "axis: an int, a tuple of ints or None (all axes), normalised over together; "
            "where: a bool mask broadcasting to the input (masked entries give "
            + ("-inf" if act.name == "log_softmax" else "0")
            + " and take no part; a fully masked row gives "
            + ("-inf" if act.name == "log_softmax" else "0")
            + "). The gufunc itself: .ufunc, the masked one: .masked.",
        ]
        if act.special:
            lines += ["", f"Special values: {act.special}."]
        if act.notes:
            lines += ["", act.notes]
        self.__doc__ = "\n".join(lines)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # pickles to itself, as the ufuncs do: looked up by its path under fastact
        from ._lazy import resolve

        return resolve, (self._act.path,)

    def __repr__(self) -> str:
        return f"<fastact row function {self._act.path} (gufunc {self.ufunc.signature})>"

    def __getattr__(self, name: str) -> Any:
        # nin, nout, types, signature, ...: the gufunc's
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.ufunc, name)

    @property
    def masked(self) -> np.ufunc:
        """The masked gufunc ``(n),...,(n)->(n)``: the inputs, then a bool mask (built on first use)."""
        if self._masked is None:
            from . import build

            with build._lock:  # threads asking together get one build, one object
                if self._masked is None:
                    self._masked = build.build_masked(self._act)
        return self._masked

    def __call__(self, *args: Any, out: Any = None, axis: Any = -1, where: Any = None) -> Any:
        name = self._act.path
        nin = self.ufunc.nin
        if len(args) != nin:
            raise TypeError(
                f"{name}() takes {nin} positional argument(s) ({', '.join(self._act.arg_names)}), got {len(args)}"
            )
        if isinstance(out, tuple):
            if len(out) != 1:
                raise ValueError(f"{name}: out= must be one array, got a tuple of {len(out)}")
            (out,) = out
        masked = where is not None and where is not True
        # the common call: ndarrays and one axis in range: straight to the gufunc
        if not masked and type(axis) is int and all(type(a) is np.ndarray and a.ndim > 0 for a in args):
            nd = max(a.ndim for a in args)
            if -nd <= axis < nd:
                return self.ufunc(*args, out=out, axis=axis)
        ops = [_operand(a) for a in args]
        shape = ops[0].shape if nin == 1 else np.broadcast_shapes(*(a.shape for a in ops))
        if nin > 1 and any(a.shape != shape for a in ops):
            ops = list(np.broadcast_arrays(*ops))
        axes = self._axes(axis, len(shape))
        if masked:
            mask = where if hasattr(where, "chunks") else np.asarray(where)
            mask = mask if mask.dtype == bool else mask.astype(bool)
            try:
                ok = np.broadcast_shapes(mask.shape, shape) == tuple(shape)
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(
                    f"{name}: the where= mask of shape {mask.shape} does not broadcast "
                    f"to the input's shape {tuple(shape)}"
                )
            mask = np.broadcast_to(mask, shape)
            chunks = getattr(ops[0], "chunks", None)
            if chunks is not None and not isinstance(ops[0], np.ndarray):
                # Dask: the mask in the input's chunks (apply_gufunc wants them equal)
                if hasattr(mask, "rechunk"):
                    mask = mask.rechunk(chunks)
                else:
                    import dask.array as da

                    mask = da.from_array(mask, chunks=chunks)
            ops.append(mask)
        for a in ops:
            chunks = getattr(a, "chunks", None)
            if chunks is not None and not isinstance(a, np.ndarray):
                for ax in axes:
                    if len(chunks[ax]) > 1:
                        raise ValueError(
                            f"{name}: axis {ax} of the {type(a).__name__} is split over {len(chunks[ax])} chunks; "
                            f"a row must be whole within a chunk: rechunk first, e.g. x.rechunk({{{ax}: -1}})"
                        )
        uf = self.masked if masked else self.ufunc
        if len(shape) == 0:  # a 0-d input is a row of one element
            res = uf(*[a.reshape(1) for a in ops]).reshape(())
            return self._put(res, out)
        if len(axes) == 1:
            return uf(*ops, out=out, axis=axes[0])
        return self._merged(uf, ops, axes, out)

    def _axes(self, axis: Any, ndim: int) -> tuple[int, ...]:
        name = self._act.path
        if axis is None:
            return tuple(range(ndim))
        if isinstance(axis, bool) or not (isinstance(axis, tuple) or hasattr(axis, "__index__")):
            raise TypeError(f"{name}: axis must be an int, a tuple of ints or None, got {axis!r}")
        try:
            axes = normalize_axis_tuple(axis, max(ndim, 1), name)  # 0-d input takes axis 0/-1 (a row of one)
        except np.exceptions.AxisError as exc:
            raise np.exceptions.AxisError(f"{name}: {exc}".replace(f"{name}: {name}: ", f"{name}: ")) from None
        except ValueError as exc:  # repeated axis
            raise ValueError(f"{name}: axis {axis!r}: {exc}") from None
        except TypeError:
            raise TypeError(f"{name}: axis must be an int, a tuple of ints or None, got {axis!r}") from None
        if not axes and ndim:
            raise ValueError(f"{name}: axis=() names no axis to normalise over")
        return tuple(sorted(axes)) if ndim else ()

    def _merged(self, uf: np.ufunc, ops: list, axes: tuple[int, ...], out: Any) -> Any:
        # the named axes last, merged into one row (C order of the axes: layout-independent)
        nd = ops[0].ndim
        dest = tuple(range(nd - len(axes), nd))
        moved = [np.moveaxis(a, axes, dest) for a in ops]
        core_shape = moved[0].shape
        lead = core_shape[: nd - len(axes)]
        flat = [a.reshape((*lead, -1)) for a in moved]
        if out is not None and isinstance(out, np.ndarray):
            try:  # a view of out with the merged row, when one exists: no copy
                view = np.moveaxis(out, axes, dest).reshape((*lead, -1), copy=False)
            except (ValueError, AttributeError):
                view = None
            if view is not None and out.shape == ops[0].shape:
                uf(*flat, out=view, axis=-1)
                return out
        res = np.moveaxis(uf(*flat, axis=-1).reshape(core_shape), dest, axes)
        return self._put(res, out)

    def _put(self, res: Any, out: Any) -> Any:
        if out is None:
            return res
        if not isinstance(out, np.ndarray):
            raise TypeError(f"{self._act.path}: out= must be a numpy.ndarray, got {type(out).__name__}")
        if out.shape != np.shape(res):
            raise ValueError(f"{self._act.path}: out= has shape {out.shape}, the result {np.shape(res)}")
        np.copyto(out, res, casting="same_kind")
        return out
