"""Loop templates: the inner loops NumPy calls, compiled once per (function, dtype).

These are never called as Python.  ``fastact.build`` clones a template with its
globals bound (``KERNEL``, the element type ``TIN``, its size ``ISZ``, and the
converters ``IN``/``OUT`` between storage and compute types) and compiles the clone
as a C function with NumPy's loop signature ``(args, dims, steps, data)``.  The
unit-stride branch indexes typed pointers so LLVM vectorizes it.
"""
# ruff: noqa: F821  (KERNEL, TIN, ISZ, IN, OUT, FAST, GUARD are bound per clone)

import numpy as np

from ._numba import (
    address,
    bf16_to_f32,
    call_get_int,
    call_loop,
    call_parallel_for,
    call_set_int,
    clear_fp_flags,
    data_ptr,
    f32_to_bf16,
    is_null,
    jit,
    load,
    load_at,
    near_bf16_midpoint,
    null,
    offset_ptr,
    pointer,
    release,
    same_address,
    store,
    store_at,
    try_claim,
)

# ---------------------------------------------------------------- threads
# The config block (int64 slots, one per process, owned by fastact.threads); each loop's
# ``data`` points at two int64s: the config block's address and the loop's own address.
CFG_THREADS = 0  # threads a large call uses; 1: never leave the calling thread
CFG_THRESHOLD = 1  # elements below which a call stays on the calling thread
CFG_PARALLEL_FOR = 2  # numba's parallel_for (the threading layer's entry point)
CFG_TRAMPOLINE = 3  # the trampoline's address
CFG_GET_MASK = 4  # numba's get_num_threads / set_num_threads (its thread-local mask)
CFG_SET_MASK = 5
CFG_BUSY = 6  # 1 while a fastact call runs on the threads: others stay on their own thread
CFG_LAUNCHES = 7  # calls run on the threads so far (tests read it; written under CFG_BUSY)
CFG_SLOTS = 8
PAR_MIN = 1 << 12  # below this, no call even reads the setting: the small-array path is as before
GRAIN = 64  # elements: parts start 64 elements apart, so a vector loop's alignment does not move


@jit
def threaded(args, dims, steps, data, nargs, ndims, work, grain):
    """Run this loop call in parts on numba's threading layer if the setting says so.

    ``work`` is the call's element count, ``grain`` what a part's length along ``dims[0]``
    is a multiple of.  True if it ran the call (the caller returns), False to run it here.
    One fastact call at a time goes to the threads (``CFG_BUSY``): a call arriving while
    another runs there runs on its own thread, so many Python threads calling at once never
    oversubscribe the cores or launch parallel regions concurrently.
    """
    if is_null(data):
        return False
    cfg = pointer(load(data, 0, np.int64))
    k = load(cfg, CFG_THREADS, np.int64)
    if k < 2 or work < load(cfg, CFG_THRESHOLD, np.int64):
        return False
    units = dims[0]
    part = (units + k - 1) // k
    part = (part + grain - 1) // grain * grain
    parts = (units + part - 1) // part
    if parts < 2:
        return False
    busy = offset_ptr(cfg, CFG_BUSY * 8)
    if not try_claim(busy):
        return False
    rec = np.empty(11, np.int64)  # the call, for the trampoline; then parallel_for's own args
    r = data_ptr(rec)
    store(r, 0, load(data, 1, np.int64))
    store(r, 1, address(args))
    store(r, 2, address(dims))
    store(r, 3, address(steps))
    store(r, 4, nargs)
    store(r, 5, ndims)
    store(r, 6, part)
    store(r, 8, address(r))  # parallel_for's args[0]: r + i for part i (step 1), never dereferenced
    store(r, 9, parts)
    store(r, 10, 1)
    # parallel_for sets numba's thread mask of the calling thread (it is one of the team):
    # put the caller's back, so fastact never changes what numba.get_num_threads() says
    mask = call_get_int(load(cfg, CFG_GET_MASK, np.int64))
    call_parallel_for(
        load(cfg, CFG_PARALLEL_FOR, np.int64),
        load(cfg, CFG_TRAMPOLINE, np.int64),
        offset_ptr(r, 64),
        offset_ptr(r, 72),
        offset_ptr(r, 80),
        r,
        min(k, parts),
    )
    call_set_int(load(cfg, CFG_SET_MASK, np.int64), mask)
    store(cfg, CFG_LAUNCHES, load(cfg, CFG_LAUNCHES, np.int64) + 1)
    release(busy)
    return rec[0] != 0  # true; uses rec last, so it outlives the parallel region


def trampoline(args, dims, steps, data):
    """What numba's parallel_for calls: parts ``first .. first + dims[0]`` of the call in ``data``
    (``threaded``'s record), each through the loop itself with ``data`` NULL."""
    first = address(args[0]) - address(data)
    fn = load(data, 0, np.int64)
    a = pointer(load(data, 1, np.int64))
    d = pointer(load(data, 2, np.int64))
    s = pointer(load(data, 3, np.int64))
    nargs = load(data, 4, np.int64)
    ndims = load(data, 5, np.int64)
    part = load(data, 6, np.int64)
    units = load(d, 0, np.int64)
    buf = np.empty(nargs + ndims, np.int64)  # the part's args, then its dims
    b = data_ptr(buf)
    for t in range(dims[0]):
        lo = (first + t) * part
        hi = min(units, lo + part)
        if lo >= hi:
            continue
        for j in range(nargs):
            store(b, j, load(a, j, np.int64) + lo * load(s, j, np.int64))
        store(b, nargs, hi - lo)
        for j in range(1, ndims):
            store(b, nargs + j, load(d, j, np.int64))
        call_loop(fn, b, offset_ptr(b, nargs * 8), s, null())
    buf[0] = 0  # keeps buf alive to here


def unary(args, dims, steps, data):
    n = dims[0]
    if n >= PAR_MIN and threaded(args, dims, steps, data, 2, 1, n, GRAIN):
        return
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
    if n >= PAR_MIN and threaded(args, dims, steps, data, 3, 1, n, GRAIN):
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


# ---------------------------------------------------------------- checked bfloat16 loops
# bfloat16 only (``TIN`` int16 bits): ``FAST`` is a float32 kernel whose value is within
# ``GUARD`` float32 steps (patterns) of f(x) for every bfloat16 input, ``KERNEL`` (with
# ``IN``/``OUT``) the correctly rounded one.  Rounding FAST's value to bfloat16 gives the
# correctly rounded result unless a bfloat16 midpoint (low 16 bits 0x8000) lies within GUARD
# steps of it (``near_bf16_midpoint``): only those elements, ~(2 GUARD + 1)/65536 of random
# data, are recomputed by KERNEL, so the results are KERNEL's bits (Ziv's strategy).  A block
# is rounded into ``ybuf`` before anything is stored: in place (y is x), the fallback still
# reads its x.  Strided calls and parameter arrays run KERNEL alone (the plain loops' code).

CHECK_BLOCK = 128  # elements per block: its buffers stay in L1, its flag test costs 1/128 a branch


def checked_unary(args, dims, steps, data):
    n = dims[0]
    if n >= PAR_MIN and threaded(args, dims, steps, data, 2, 1, n, GRAIN):
        return
    xp = args[0]
    yp = args[1]
    sx = steps[0]
    sy = steps[1]
    if sx == ISZ and sy == ISZ:
        buf = np.empty(3 * CHECK_BLOCK, np.uint8)  # the block's results (int16), then its flags
        ybuf = data_ptr(buf)
        hard = offset_ptr(ybuf, 2 * CHECK_BLOCK)
        for lo in range(0, n, CHECK_BLOCK):
            m = min(CHECK_BLOCK, n - lo)
            xb = offset_ptr(xp, lo * ISZ)
            retry = False
            for i in range(m):
                v = FAST(bf16_to_f32(load(xb, i, TIN)))
                store(ybuf, i, f32_to_bf16(v))
                h = near_bf16_midpoint(v, GUARD)
                store(hard, i, np.uint8(h))
                retry |= h
            if retry:
                # the flags 8 at a time: a flagged element costs its word's 8 tests and the
                # kernel, not a pass over the block (LLVM would run KERNEL on all of it, masked)
                for w in range((m + 7) // 8):
                    if load(hard, w, np.uint64) != 0:
                        for i in range(8 * w, min(8 * w + 8, m)):
                            if load(hard, i, np.uint8) != 0:
                                store(ybuf, i, OUT(KERNEL(IN(load(xb, i, TIN)))))
            yb = offset_ptr(yp, lo * ISZ)
            for i in range(m):
                store(yb, i, load(ybuf, i, TIN))
    else:
        for i in range(n):
            store_at(yp, i * sy, OUT(KERNEL(IN(load_at(xp, i * sx, TIN)))))
    clear_fp_flags()


def checked_binary(args, dims, steps, data):
    n = dims[0]
    if n == 0:
        return
    if n >= PAR_MIN and threaded(args, dims, steps, data, 3, 1, n, GRAIN):
        return
    xp = args[0]
    ap = args[1]
    yp = args[2]
    sx = steps[0]
    sa = steps[1]
    sy = steps[2]
    if sx == ISZ and sy == ISZ and sa == 0:
        # one parameter value for the whole array: FAST's guard holds for every value (registry)
        af = bf16_to_f32(load(ap, 0, TIN))
        a = IN(load(ap, 0, TIN))
        buf = np.empty(3 * CHECK_BLOCK, np.uint8)  # the block's results (int16), then its flags
        ybuf = data_ptr(buf)
        hard = offset_ptr(ybuf, 2 * CHECK_BLOCK)
        for lo in range(0, n, CHECK_BLOCK):
            m = min(CHECK_BLOCK, n - lo)
            xb = offset_ptr(xp, lo * ISZ)
            retry = False
            for i in range(m):
                v = FAST(bf16_to_f32(load(xb, i, TIN)), af)
                store(ybuf, i, f32_to_bf16(v))
                h = near_bf16_midpoint(v, GUARD)
                store(hard, i, np.uint8(h))
                retry |= h
            if retry:
                # the flags 8 at a time: a flagged element costs its word's 8 tests and the
                # kernel, not a pass over the block (LLVM would run KERNEL on all of it, masked)
                for w in range((m + 7) // 8):
                    if load(hard, w, np.uint64) != 0:
                        for i in range(8 * w, min(8 * w + 8, m)):
                            if load(hard, i, np.uint8) != 0:
                                store(ybuf, i, OUT(KERNEL(IN(load(xb, i, TIN)), a)))
            yb = offset_ptr(yp, lo * ISZ)
            for i in range(m):
                store(yb, i, load(ybuf, i, TIN))
    else:
        for i in range(n):
            store_at(yp, i * sy, OUT(KERNEL(IN(load_at(xp, i * sx, TIN)), IN(load_at(ap, i * sa, TIN)))))
    clear_fp_flags()


# ---------------------------------------------------------------- row loops (the softmax family)
# A row kernel only ever sees contiguous rows: ``KERNEL(xp, yp, kp, wp, n, TIN)`` (unary;
# ``wp`` a float32 work block of ``work_len(n, ISZ)`` elements) or
# ``KERNEL(ap, bp, yp, kp, n, TIN)`` (the VJPs), ``kp`` the row's mask bytes (ignored by
# the unmasked kernels).  A strided operand row is copied to (or, for the output, from)
# a contiguous scratch row first, and the kernel has one call site per template: its
# sums are reduced in one fixed order, so a row's bits do not depend on its strides, the
# output's, the axis it lies on or the array's order.


ROW_BLOCK = 2048  # elements per block of the row kernels' sums (and of their work block)
# 2-byte storage cannot hold a row's float32 terms in its output; rows of up to ROW_KEEP
# elements get a float32 work row instead (16 MiB at most), so the bfloat16 kernels compute
# each exp once; longer rows compute them again (their work block is ROW_BLOCK long)
ROW_KEEP = 1 << 22


@jit
def work_len(n, isz):
    """float32 elements of a row kernel's work block: a whole row for 2-byte rows of up to ROW_KEEP."""
    return n if isz == 2 and ROW_BLOCK < n <= ROW_KEEP else ROW_BLOCK


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
    if count > 1 and count * n >= PAR_MIN and threaded(args, dims, steps, data, 2, 2, count * n, 1):
        return
    xp = args[0]
    yp = args[1]
    sx = steps[2]
    sy = steps[3]
    gx = sx != ISZ and n > 1
    gy = sy != ISZ and n > 1
    xbuf = np.empty(n * ISZ if gx else 0, np.uint8)  # scratch rows, one allocation per call
    ybuf = np.empty(n * ISZ if gy else 0, np.uint8)
    wbuf = np.empty(4 * work_len(n, ISZ), np.uint8)
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
    if count > 1 and count * n >= PAR_MIN and threaded(args, dims, steps, data, 3, 2, count * n, 1):
        return
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
    wbuf = np.empty(4 * work_len(n, ISZ), np.uint8)
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
    if count > 1 and count * n >= PAR_MIN and threaded(args, dims, steps, data, 3, 2, count * n, 1):
        return
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
    if count > 1 and count * n >= PAR_MIN and threaded(args, dims, steps, data, 4, 2, count * n, 1):
        return
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
CHECKED_TEMPLATES = {1: checked_unary, 2: checked_binary}
ROW_TEMPLATES = {1: rows, 2: rows2}
MASKED_ROW_TEMPLATES = {1: rows_masked, 2: rows2_masked}  # keyed by the unmasked inputs
