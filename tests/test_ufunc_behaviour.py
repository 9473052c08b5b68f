"""NumPy ufunc behaviour, for every function in the registry."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ELEMENTWISE, assert_accurate, by_name, call, dtypes, elementwise, same_bits, ufunc

from fastact.registry import ACTIVATIONS, DERIVATIVES, DTYPES, FAST, by_path

# f(-tiny) is a negative tiny (or -0.0)
SIGN_KEEPING = {
    "leaky_relu",
    "prelu",
    "hard_swish",
    "hard_tanh",
    "softsign",
    "tanh",
    "elu",
    "selu",
    "celu",
    "silu",
    "swish",
    "mish",
    "gelu",
    "gelu_tanh",
    "gelu_sigmoid",
}


@by_name
def test_is_a_real_ufunc(act):
    f = ufunc(act)
    # row functions (softmax, log_softmax) are callables around a real gufunc, f.ufunc
    # (numpy's own gufunc call cannot take axis=None, a tuple or a where= mask): tests/test_softmax.py
    assert isinstance(f.ufunc if act.is_rowwise else f, np.ufunc)
    assert f.__name__ == act.name
    assert f.types == act.loop_types
    assert f.nin == act.nin and f.nout == 1
    assert f.signature == act.signature
    assert act.formula.split()[0] in f.__doc__


@by_name
@dtypes
def test_dtype_preserved(act, dtype):
    x = np.linspace(-4, 4, 33).astype(dtype)
    y = call(act, x)
    assert y.dtype == np.dtype(dtype)
    assert y.shape == x.shape


@by_name
@pytest.mark.parametrize("itype", [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_integer_and_bool_cast_like_numpy(act, itype):
    """Same loop choice as NumPy's own float ufuncs (np.sin): bool/int8 -> float16, int16 -> float32, ..."""
    x = np.arange(0, 5).astype(itype)
    expect = np.sin(x).dtype
    y = ufunc(act)(x, *[np.ones((), dtype=itype) for _ in act.params])
    assert y.dtype == expect
    xf = x.astype(expect)
    np.testing.assert_array_equal(y, call(act, xf, *[np.ones((), dtype=expect) for _ in act.params]))


@by_name
@pytest.mark.parametrize(
    "bad", [np.array([1 + 2j]), np.array([1.0], dtype=object), np.array(["a"]), np.array([1.0], dtype=np.longdouble)]
)
def test_unsupported_types_raise_naming_the_function_and_dtypes(act, bad):
    if bad.dtype == np.longdouble and np.dtype(np.longdouble) == np.float64:
        pytest.skip("long double is float64 on this platform")
    with pytest.raises(TypeError) as err:
        ufunc(act)(bad, *[bad for _ in act.params])
    given = str(bad.dtype) if not act.params else f"({', '.join([str(bad.dtype)] * act.nin)})"
    assert f"fastact.{act.name}: no loop for input dtype" in str(err.value)
    assert given in str(err.value) and "float32 -> float32" in str(err.value).replace("float32, ", "")


@pytest.mark.parametrize("path", [e.path for e in (*ACTIVATIONS, *DERIVATIVES, *FAST)])
def test_every_ufunc_names_the_dtypes_it_has_no_loop_for(path):
    """fastact, fastact.grad and fastact.fast (and the masked row gufuncs): NumPy's own message
    ("ufunc 'gelu' not supported for the input types ...") names no dtype."""
    import fastact

    f = fastact.resolve(path)
    act = by_path(path)
    x = np.ones((2, 3), np.complex64)
    args = [x] * act.nin
    with pytest.raises(TypeError, match=rf"^fastact\.{re.escape(path)}: no loop for input dtype.*complex64"):
        f(*args)
    if act.is_rowwise:  # where= runs the masked gufunc: its mask is bool
        with pytest.raises(TypeError, match=rf"^fastact\.{re.escape(path)}\.masked: .*\(complex64, .*bool\)"):
            f(*args, where=np.ones((2, 3), bool))


def test_no_loop_with_dtype_or_signature_names_what_was_asked():
    import fastact

    with pytest.raises(TypeError, match=r"^fastact\.gelu: no loop for input dtype float64 with .*\(any\) -> int64"):
        fastact.gelu(np.ones(3), dtype=np.int64)
    with pytest.raises(TypeError, match=r"^fastact\.gelu: .*\(complex64\) -> complex64"):
        fastact.gelu(np.ones(3), signature="F->F")


def test_numpy_errors_that_name_dtypes_are_left_alone():
    """An output NumPy cannot cast to keeps NumPy's message (it names both dtypes), and calls with
    a loop after safe casting still run: only "no loop" errors are rewritten."""
    import fastact

    with pytest.raises(TypeError, match=r"Cannot cast ufunc 'gelu' output from dtype\('float64'\)"):
        fastact.gelu(np.ones(3), out=np.empty(3, np.int64))
    assert fastact.gelu(np.arange(3)).dtype == np.float64
    assert fastact.gelu(np.ones(3, np.int8)).dtype == np.float16
    assert fastact.leaky_relu(np.ones(3, np.float32), 0.5).dtype == np.float32


@by_name
@dtypes
def test_out_and_in_place(act, dtype):
    x = np.linspace(-5, 5, 101).astype(dtype)
    want = call(act, x)
    out = np.empty_like(x)
    r = call(act, x, out=out)
    assert r is out
    assert np.array_equal(out, want, equal_nan=True)
    x2 = x.copy()
    call(act, x2, out=x2)
    assert np.array_equal(x2, want, equal_nan=True)


@elementwise
@dtypes
def test_where(act, dtype):
    x = np.linspace(-5, 5, 64).astype(dtype)
    mask = np.arange(64) % 3 == 0
    out = np.full_like(x, 7)
    call(act, x, out=out, where=mask)
    want = call(act, x)
    assert np.array_equal(out[mask], want[mask])
    assert np.all(out[~mask] == 7)


@elementwise
@dtypes
def test_strides_0d_empty(act, dtype):
    base = np.linspace(-6, 6, 200).astype(dtype)
    want = call(act, base)
    for sl in (slice(None, None, 3), slice(None, None, -1), slice(None, None, -7)):
        assert np.array_equal(call(act, base[sl]), want[sl], equal_nan=True)
    x2 = base.reshape(20, 10)
    assert np.array_equal(call(act, x2.T), want.reshape(20, 10).T)
    zero_d = call(act, base[5:6].reshape(()))
    assert zero_d.shape == () and zero_d == want[5]
    empty = call(act, np.empty((0, 3), dtype))
    assert empty.shape == (0, 3) and empty.dtype == np.dtype(dtype)


@pytest.mark.parametrize("act", [a for a in ELEMENTWISE if a.params], ids=lambda a: a.name)
@dtypes
def test_parameter_broadcasts(act, dtype):
    """A per-channel parameter (e.g. PReLU weight of shape (C, 1)) broadcasts like any ufunc operand."""
    x = np.linspace(-3, 3, 24).astype(dtype).reshape(4, 6)
    w = np.array([[0.1], [0.2], [0.25], [-0.5]], dtype=dtype)
    got = ufunc(act)(x, w)
    for c in range(4):
        assert np.array_equal(got[c], ufunc(act)(x[c], w[c, 0]))
    # and elementwise parameters, and a strided one
    ww = np.broadcast_to(w, x.shape).copy()
    assert np.array_equal(ufunc(act)(x, ww), got)
    assert np.array_equal(ufunc(act)(x[:, ::2], ww[:, ::2]), got[:, ::2])


@elementwise
@dtypes
def test_nan_in_nan_out(act, dtype):
    x = np.array([np.nan, -np.nan], dtype=dtype)
    assert np.all(np.isnan(call(act, x)))


SPECIAL = {
    # function: {input: expected}; -0.0 results are checked bit for bit
    "relu": {-0.0: 0.0, np.inf: np.inf, -np.inf: 0.0},
    "relu6": {-0.0: 0.0, np.inf: 6.0, -np.inf: 0.0},
    "leaky_relu": {-0.0: -0.0, np.inf: np.inf, -np.inf: -np.inf},
    "prelu": {-0.0: -0.0, np.inf: np.inf, -np.inf: -np.inf},
    "hard_sigmoid": {-0.0: 0.5, np.inf: 1.0, -np.inf: 0.0},
    "hard_sigmoid6": {-0.0: 0.5, np.inf: 1.0, -np.inf: 0.0},
    "hard_swish": {-0.0: -0.0, np.inf: np.inf, -np.inf: 0.0, -3.0: 0.0, -10.0: 0.0},
    "hard_tanh": {-0.0: -0.0, np.inf: 1.0, -np.inf: -1.0},
    "softsign": {-0.0: -0.0, np.inf: 1.0, -np.inf: -1.0},
    "sigmoid": {-0.0: 0.5, np.inf: 1.0, -np.inf: 0.0},
    "log_sigmoid": {-np.inf: -np.inf, np.inf: 0.0},
    "tanh": {-0.0: -0.0, np.inf: 1.0, -np.inf: -1.0},
    "elu": {-0.0: -0.0, np.inf: np.inf, -np.inf: -1.0},  # alpha = 1 (first example)
    "selu": {-0.0: -0.0, np.inf: np.inf},
    "celu": {-0.0: -0.0, np.inf: np.inf, -np.inf: -1.0},
    "softplus": {np.inf: np.inf, -np.inf: 0.0},
    "silu": {-0.0: -0.0, np.inf: np.inf, -np.inf: -0.0},
    "swish": {-0.0: -0.0, np.inf: np.inf, -np.inf: -0.0},
    "mish": {-0.0: -0.0, np.inf: np.inf, -np.inf: -0.0},
    "gelu": {-0.0: -0.0, np.inf: np.inf, -np.inf: -0.0},
    "gelu_tanh": {-0.0: -0.0, np.inf: np.inf, -np.inf: -0.0},
    "gelu_sigmoid": {-0.0: -0.0, np.inf: np.inf, -np.inf: -0.0},
}


@elementwise
@dtypes
def test_documented_special_values(act, dtype):
    cases = SPECIAL[act.name]
    x = np.array(list(cases), dtype=dtype)
    want = np.array(list(cases.values()), dtype=dtype)
    got = call(act, x)
    assert np.all(same_bits(got, want)), f"{act.name}: got {got!r} for {x!r}, documented {want!r}"


def test_every_elementwise_function_has_documented_specials():
    assert set(SPECIAL) == {a.name for a in ELEMENTWISE}


@elementwise
@dtypes
def test_subnormal_inputs(act, dtype):
    """Subnormals are ordinary inputs (no flush to zero), correctly rounded like any other."""
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.array([tiny, -tiny, 2 * tiny, 3 * tiny, -5 * tiny, np.finfo(dtype).tiny * 0.75], dtype=dtype)
    params = act.example_params()[0]
    assert_accurate(act, x, params, dtype)
    got = ufunc(act)(x, *[np.asarray(p, dtype=dtype) for p in params])
    # a zero result carries the sign the function gives tiny inputs of that sign
    nz = got == 0
    assert np.all(np.signbit(got[nz]) == (np.signbit(x[nz]) & (act.name in SIGN_KEEPING)))


def test_leaky_relu_slope_is_explicit():
    import fastact

    with pytest.raises(TypeError):
        fastact.leaky_relu(np.ones(3))


def test_no_spurious_warnings_for_nan():
    import warnings

    import fastact

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dt in DTYPES:
            fastact.relu(np.array([np.nan, 1.0] * 20, dtype=dt))
            fastact.hard_sigmoid6(np.array([np.nan, 1.0] * 20, dtype=dt))


@by_name
def test_dask_stays_lazy_and_matches(act):
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(0).normal(size=(40, 30)).astype(np.float32) * 4
    d = da.from_array(x, chunks=(10, 30))
    params = [np.float32(p) for p in act.example_params()[0]]
    lazy = ufunc(act)(d, *params)
    assert isinstance(lazy, da.Array)
    assert np.array_equal(lazy.compute(), ufunc(act)(x, *params), equal_nan=True)
