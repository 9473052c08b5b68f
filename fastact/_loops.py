"""Loop templates: the inner loops NumPy calls, compiled once per (function, dtype).

These are never called as Python.  ``fastact.build`` clones a template with its
globals bound (``KERNEL``, the element type ``TIN``, its size ``ISZ``, and the
converters ``IN``/``OUT`` between storage and compute types) and compiles the clone
as a C function with NumPy's loop signature ``(args, dims, steps, data)``.  The
unit-stride branch indexes typed pointers so LLVM vectorizes it.
"""
# ruff: noqa: F821  (KERNEL, TIN, ISZ, IN, OUT are bound per clone)

import numpy as np

from ._numba import clear_fp_flags, data_ptr, jit, load, load_at, offset_ptr, same_address, store, store_at


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


# ---------------------------------------------------------------- row loops (the softmax family)
# A row kernel only ever sees contiguous rows: ``KERNEL(xp, yp, kp, wp, n, TIN)`` (unary;
# ``wp`` a float32 work block of ``ROW_BLOCK`` elements) or
# ``KERNEL(ap, bp, yp, kp, n, TIN)`` (the VJPs), ``kp`` the row's mask bytes (ignored by
# the unmasked kernels).  A strided operand row is copied to (or, for the output, from)
# a contiguous scratch row first, and the kernel has one call site per template: its
# sums are reduced in one fixed order, so a row's bits do not depend on its strides, the
# output's, the axis it lies on or the array's order.


ROW_BLOCK = 2048  # elements per block of the row kernels' sums (and of their work block)


@jit
def _gather(dst, src, stride, n, T):
    for i in range(n):
        store(dst, i, load_at(src, i * stride, T))


@jit
def _scatter(dst, stride, src, n, T):
    for i in range(n):
        store_at(dst, i * stride, load(src, i, T))


def rows(args, dims, steps, data):
    """gufunc ``(n)->(n)``: one call of the row kernel per outer index."""
    count = dims[0]
    n = dims[1]
    xp = args[0]
    yp = args[1]
    sx = steps[2]
    sy = steps[3]
    gx = sx != ISZ and n > 1
    gy = sy != ISZ and n > 1
    xbuf = np.empty(n * ISZ if gx else 0, np.uint8)  # scratch rows, one allocation per call
    ybuf = np.empty(n * ISZ if gy else 0, np.uint8)
    wbuf = np.empty(4 * ROW_BLOCK, np.uint8)
    for r in range(count):
        xr = offset_ptr(xp, r * steps[0])
        yr = offset_ptr(yp, r * steps[1])
        xb = data_ptr(xbuf)
        yb = data_ptr(ybuf)
        if gx:
            _gather(xb, xr, sx, n, TIN)
        KERNEL(xb if gx else xr, yb if gy else yr, xr, data_ptr(wbuf), n, TIN)
        if gy:
            _scatter(yr, sy, yb, n, TIN)
    clear_fp_flags()


def rows_masked(args, dims, steps, data):
    """gufunc ``(n),(n)->(n)`` of (x, bool mask): the masked row kernel per outer index."""
    count = dims[0]
    n = dims[1]
    xp = args[0]
    kp = args[1]
    yp = args[2]
    sx = steps[3]
    sk = steps[4]
    sy = steps[5]
    gx = sx != ISZ and n > 1
    gk = sk != 1 and n > 1
    gy = sy != ISZ and n > 1
    xbuf = np.empty(n * ISZ if gx else 0, np.uint8)
    kbuf = np.empty(n if gk else 0, np.uint8)
    ybuf = np.empty(n * ISZ if gy else 0, np.uint8)
    wbuf = np.empty(4 * ROW_BLOCK, np.uint8)
    for r in range(count):
        xr = offset_ptr(xp, r * steps[0])
        kr = offset_ptr(kp, r * steps[1])
        yr = offset_ptr(yp, r * steps[2])
        xb = data_ptr(xbuf)
        kb = data_ptr(kbuf)
        yb = data_ptr(ybuf)
        if gx:
            _gather(xb, xr, sx, n, TIN)
        if gk:
            _gather(kb, kr, sk, n, np.uint8)
        KERNEL(xb if gx else xr, yb if gy else yr, kb if gk else kr, data_ptr(wbuf), n, TIN)
        if gy:
            _scatter(yr, sy, yb, n, TIN)
    clear_fp_flags()


def rows2(args, dims, steps, data):
    """gufunc ``(n),(n)->(n)``: the binary row kernel (a VJP) per outer index."""
    count = dims[0]
    n = dims[1]
    ap = args[0]
    bp = args[1]
    yp = args[2]
    sa = steps[3]
    sb = steps[4]
    sy = steps[5]
    ga = sa != ISZ and n > 1
    gb = sb != ISZ and n > 1
    gy = sy != ISZ and n > 1
    abuf = np.empty(n * ISZ if ga else 0, np.uint8)
    bbuf = np.empty(n * ISZ if gb else 0, np.uint8)
    ybuf = np.empty(n * ISZ if gy else 0, np.uint8)
    for r in range(count):
        ar = offset_ptr(ap, r * steps[0])
        br = offset_ptr(bp, r * steps[1])
        yr = offset_ptr(yp, r * steps[2])
        ab = data_ptr(abuf)
        bb = data_ptr(bbuf)
        yb = data_ptr(ybuf)
        if ga:
            _gather(ab, ar, sa, n, TIN)
        if gb:
            _gather(bb, br, sb, n, TIN)
        KERNEL(ab if ga else ar, bb if gb else br, yb if gy else yr, ar, n, TIN)
        if gy:
            _scatter(yr, sy, yb, n, TIN)
    clear_fp_flags()


def rows2_masked(args, dims, steps, data):
    """gufunc ``(n),(n),(n)->(n)`` of (y, dy, bool mask): the masked VJP per outer index."""
    count = dims[0]
    n = dims[1]
    ap = args[0]
    bp = args[1]
    kp = args[2]
    yp = args[3]
    sa = steps[4]
    sb = steps[5]
    sk = steps[6]
    sy = steps[7]
    ga = sa != ISZ and n > 1
    gb = sb != ISZ and n > 1
    gk = sk != 1 and n > 1
    gy = sy != ISZ and n > 1
    abuf = np.empty(n * ISZ if ga else 0, np.uint8)
    bbuf = np.empty(n * ISZ if gb else 0, np.uint8)
    kbuf = np.empty(n if gk else 0, np.uint8)
    ybuf = np.empty(n * ISZ if gy else 0, np.uint8)
    for r in range(count):
        ar = offset_ptr(ap, r * steps[0])
        br = offset_ptr(bp, r * steps[1])
        kr = offset_ptr(kp, r * steps[2])
        yr = offset_ptr(yp, r * steps[3])
        ab = data_ptr(abuf)
        bb = data_ptr(bbuf)
        kb = data_ptr(kbuf)
        yb = data_ptr(ybuf)
        if ga:
            _gather(ab, ar, sa, n, TIN)
        if gb:
            _gather(bb, br, sb, n, TIN)
        if gk:
            _gather(kb, kr, sk, n, np.uint8)
        KERNEL(ab if ga else ar, bb if gb else br, yb if gy else yr, kb if gk else kr, n, TIN)
        if gy:
            _scatter(yr, sy, yb, n, TIN)
    clear_fp_flags()


TEMPLATES = {1: unary, 2: binary}
ROW_TEMPLATES = {1: rows, 2: rows2}
MASKED_ROW_TEMPLATES = {1: rows_masked, 2: rows2_masked}  # keyed by the unmasked inputs
