"""Loop templates: the inner loops NumPy calls, compiled once per (function, dtype).

These are never called as Python.  ``fastact.build`` clones a template with its
globals bound (``KERNEL``, the element type ``TIN``, its size ``ISZ``, and the
converters ``IN``/``OUT`` between storage and compute types) and compiles the clone
as a C function with NumPy's loop signature ``(args, dims, steps, data)``.  The
unit-stride branch indexes typed pointers so LLVM vectorizes it.
"""
# ruff: noqa: F821  (KERNEL, TIN, ISZ, IN, OUT are bound per clone)

from ._numba import clear_fp_flags, load, load_at, offset_ptr, same_address, store, store_at


def unary(args, dims, steps, data):
    n = dims[0]
    xp = args[0]
    yp = args[1]
    sx = steps[0]
    sy = steps[1]
    if sx == ISZ and sy == ISZ:
        if same_address(xp, yp):
            # in place: one pointer, so LLVM needs no overlap check (with two, an exact
            # overlap fails its check and it falls back to the scalar loop, 8x slower)
            for i in range(n):
                store(xp, i, OUT(KERNEL(IN(load(xp, i, TIN)))))
        else:
            for i in range(n):
                store(yp, i, OUT(KERNEL(IN(load(xp, i, TIN)))))
    else:
        for i in range(n):
            store_at(yp, i * sy, OUT(KERNEL(IN(load_at(xp, i * sx, TIN)))))
    clear_fp_flags()


def binary(args, dims, steps, data):
    n = dims[0]
    if n == 0:
        return
    xp = args[0]
    ap = args[1]
    yp = args[2]
    sx = steps[0]
    sa = steps[1]
    sy = steps[2]
    if sx == ISZ and sy == ISZ and sa == 0:
        # the common case: one parameter value for the whole array
        a = IN(load(ap, 0, TIN))
        if same_address(xp, yp):  # in place (see unary)
            for i in range(n):
                store(xp, i, OUT(KERNEL(IN(load(xp, i, TIN)), a)))
        else:
            for i in range(n):
                store(yp, i, OUT(KERNEL(IN(load(xp, i, TIN)), a)))
    elif sx == ISZ and sa == ISZ and sy == ISZ:
        for i in range(n):
            store(yp, i, OUT(KERNEL(IN(load(xp, i, TIN)), IN(load(ap, i, TIN)))))
    else:
        for i in range(n):
            store_at(yp, i * sy, OUT(KERNEL(IN(load_at(xp, i * sx, TIN)), IN(load_at(ap, i * sa, TIN)))))
    clear_fp_flags()


def rows(args, dims, steps, data):
    """gufunc ``(n)->(n)``: one call of the row kernel per outer index."""
    count = dims[0]
    n = dims[1]
    xp = args[0]
    yp = args[1]
    for r in range(count):
        KERNEL(offset_ptr(xp, r * steps[0]), steps[2], offset_ptr(yp, r * steps[1]), steps[3], n, TIN)
    clear_fp_flags()


def rows2(args, dims, steps, data):
    """gufunc ``(n),(n)->(n)``: one call of the binary row kernel per outer index."""
    count = dims[0]
    n = dims[1]
    ap = args[0]
    bp = args[1]
    yp = args[2]
    for r in range(count):
        KERNEL(
            offset_ptr(ap, r * steps[0]),
            steps[3],
            offset_ptr(bp, r * steps[1]),
            steps[4],
            offset_ptr(yp, r * steps[2]),
            steps[5],
            n,
            TIN,
        )
    clear_fp_flags()


TEMPLATES = {1: unary, 2: binary}
ROW_TEMPLATES = {1: rows, 2: rows2}
