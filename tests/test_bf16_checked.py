"""The bfloat16 loops' checked fast path (``registry.checked``, ``_loops.checked_unary``).

The float32 kernel's distance from f, over all 65536 bfloat16 inputs, is inside its declared
guard with a step to spare (elu: the parameter-free part of the every-alpha argument); the
checked loop gives the exact bfloat16 kernel's bits (which the strided calls still run) on every
input, in place too, on the threads too; and a kernel flagging half the inputs shows the
fallback recomputes exactly those elements.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

import fastact
from fastact import build, registry, threads
from fastact._numba import bits_f32, f32_bits, jit
from fastact.activations import checked_f32

ml_dtypes = pytest.importorskip("ml_dtypes")
BF = np.dtype(ml_dtypes.bfloat16)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import bf16_guards as G  # noqa: E402

PATHS = G.checked_paths()
UNARY = [p for p in PATHS if not registry.by_path(p).params]
# alphas the guard argument must survive: signs, zeros, infinities, NaN, the extremes of bfloat16
ALPHAS = (1.0, 0.5, -1.5, 0.0, -0.0, 3.3895e38, 2.0**-133, np.inf, -np.inf, np.nan)
MARGIN = 1.0  # float32 steps between the largest distance measured and the guard


def _bf(x: np.ndarray) -> np.ndarray:
    """float32 values holding bfloat16 ones -> a bfloat16 array, by their bits (NaNs too)."""
    return (np.asarray(x, np.float32).view(np.uint32) >> 16).astype(np.uint16).view(BF)


def _exact(f: np.ufunc, xb: np.ndarray, *pb: np.ndarray) -> np.ndarray:
    """The exact bfloat16 kernel's bits: a strided input takes the plain loop."""
    spread = np.zeros(2 * xb.size, BF)
    spread[::2] = xb
    return f(spread[::2], *pb).view(np.uint16)


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """The same bits, NaNs aside: a NaN's sign and payload follow code generation, in the exact
    loops too (softplus's contiguous loop gives 0x7fc0 for NaN where its strided one gives 0xffc0)."""
    nan = np.isnan(want.view(BF).astype(np.float32))
    return bool(np.array_equal(got[~nan], want[~nan]) and np.isnan(got[nan].view(BF).astype(np.float32)).all())


# grad.swish_beta: also its example betas, and tiny ones (x^2/4 ties) and large ones (|beta x| > 87)
BETAS = (1.702, 2.0**-30, -(2.0**-30), 1e-30, -3.0, 1e30)


def _cases() -> list[tuple[str, tuple[float, ...]]]:
    cases = [(p, ()) for p in UNARY] + [(p, (a,)) for p in PATHS if p not in UNARY for a in ALPHAS]
    return cases + [("grad.swish_beta", (b,)) for b in BETAS]


def test_the_checked_functions_are_the_registrys():
    expected = {"sigmoid", "silu", "gelu_sigmoid", "elu", "grad.softsign", "grad.log_sigmoid", "grad.elu_alpha"}
    expected |= {"grad.swish_beta"}
    assert expected <= set(PATHS)
    assert set(checked_f32.GUARDS) <= set(PATHS)
    for path in checked_f32.GUARDS:
        assert G.kernel_of(path)[1] == checked_f32.GUARDS[path]


@pytest.mark.parametrize("path", [*UNARY, "grad.elu_alpha"])
def test_guard_covers_the_kernels_distance_on_every_bfloat16(path):
    # grad.elu_alpha's kernel reads alpha only to pass a NaN on: one alpha is every alpha
    d, at = G.distance(path, (1.0,) if path == "grad.elu_alpha" else ())
    _, guard = G.kernel_of(path)
    assert d <= guard - MARGIN, f"{path}: {d:.3f} float32 steps at x = {at!r}, guard {guard}"


def test_elu_guard_holds_for_every_alpha():
    """checked_f32.elu_f32's argument: D <= R + 1.01 for every alpha, R expm1's relative error
    (in 2^-24) over every bfloat16 x < 0; and D itself at some alphas."""
    r, at = G.expm1_relative()
    _, guard = G.kernel_of("elu")
    assert r + 1.01 <= guard - MARGIN, f"expm1: {r:.3f} * 2^-24 at x = {at!r}"
    for alpha in (1.0, 0.5, -3.0, 1e-30, 3e38):
        d, at = G.distance("elu", (alpha,))
        assert d <= r + 1.01, f"elu alpha {alpha}: {d:.3f} steps at x = {at!r}"


def test_swish_beta_guard_holds_for_every_beta():
    """checked_f32.swish_beta_f32's argument: D <= R + 1.01 for every bfloat16 beta, R the relative
    error (in 2^-24) of s(t)(1 - s(t)) over every float32 t with at most 16 significant bits and
    |t| <= 87 (every exact beta x there); and D itself at some betas, bfloat16 ones."""
    r, at = G.swish_beta_relative()
    _, guard = G.kernel_of("grad.swish_beta")
    assert r + 1.01 <= guard - MARGIN, f"s(1 - s): {r:.3f} * 2^-24 at t = {at!r}"
    for beta in (1.0, 1.702, 0.5, -3.0, 0.1, 2.0**-30, 1e-30, 1e30):
        d, at = G.distance("grad.swish_beta", (beta,))
        assert d <= r + 1.01, f"grad.swish_beta beta {beta}: {d:.3f} steps at x = {at!r}"


def test_swish_beta_ties_at_tiny_beta_x_take_the_exact_kernel():
    """|beta x| tiny: f is a hair off x^2/4, a bfloat16 midpoint for some x; the float32 value is
    x^2/4 itself, flagged (distance 0), and the exact kernel's tie wrapper decides: rounded alone
    it would be wrong (to even) on some of them."""
    fn, _ = G.kernel_of("grad.swish_beta")
    x = G.bf16_inputs()
    xb = _bf(x)
    f = fastact.grad.swish_beta
    for beta in (2.0**-30, -(2.0**-30)):
        bb = _bf(np.float32([beta]))[0]
        want = _exact(f, xb, bb)
        assert np.array_equal(f(xb, bb).view(np.uint16), want)
        alone = G.f32_values(fn, x, (beta,)).astype(BF).view(np.uint16)
        assert np.any(alone != want)
        assert np.all(G.hard("grad.swish_beta", x, (beta,))[alone != want])


def test_pattern_distance_counts_float32_steps():
    one = np.float32(1.0)
    below = np.nextafter(one, np.float32(0))
    tiny = np.float32(2.0**-149)
    assert G.pattern_distance(np.float32([1.0]), np.float64([1.0 + 2.0**-23]))[0] == 1.0
    assert G.pattern_distance(np.float32([below]), np.float64([1.0 + 2.0**-23]))[0] == 2.0  # across 1.0
    assert G.pattern_distance(np.float32([tiny]), np.float64([-(2.0**-149)]))[0] == 2.0  # across 0
    assert G.pattern_distance(np.float32([0.0]), np.float64([2.0**-151]))[0] == 0.25
    # past the largest float32: infinity is one step (2^104) above it, and every larger value is there
    big = np.float32(3.4028235e38)
    got = G.pattern_distance(np.float32([big, big, np.inf]), np.float64([2.0**128 - 2.0**103, 2.0**128, 1e300]))
    assert got.tolist() == [0.5, 1.0, 0.0]


@pytest.mark.parametrize("path,params", _cases(), ids=[f"{p}{list(q)}" for p, q in _cases()])
def test_checked_loop_gives_the_exact_kernels_bits(path, params):
    x = G.bf16_inputs(finite=False)
    xb = _bf(x)
    pb = [_bf(np.float32([p]))[0] for p in params]
    f = fastact.resolve(path)
    want = _exact(f, xb, *pb)
    assert _same(f(xb, *pb).view(np.uint16), want)
    z = xb.copy()
    f(z, *pb, out=z)  # in place: the fallback reads x before the block is written
    assert _same(z.view(np.uint16), want)


@pytest.mark.parametrize("path", UNARY)
def test_inputs_near_midpoints_take_the_exact_kernel(path):
    """Every input whose float32 value is flagged (found by the sweep), packed into blocks and
    between easy ones, gives the exact bits; for silu and gelu_sigmoid (x/2 at subnormal x) the
    float32 value rounded alone would be wrong on some of them."""
    x = G.bf16_inputs()
    near = x[G.hard(path, x)]
    if near.size == 0:  # nothing to recompute: known for these (their values keep off the midpoints)
        assert path in ("tanh", "selu", "softsign"), f"{path}: no finite bfloat16 input is flagged: nothing checked"
        return
    rng = np.random.default_rng(1)
    xs = rng.permutation(np.concatenate([near, near, x[rng.integers(0, x.size, 3 * near.size)]]))
    f = fastact.resolve(path)
    want = _exact(f, _bf(xs))
    assert np.array_equal(f(_bf(xs)).view(np.uint16), want)
    fn, _ = G.kernel_of(path)
    alone = np.array(G.f32_values(fn, xs)).astype(BF).view(np.uint16)
    if path in ("silu", "gelu_sigmoid"):
        assert np.any(alone != want)


@jit(inline="always")
def _odd_to_midpoint(y, x):
    """y moved onto its bfloat16 midpoint (low 16 bits 0x8000) where x's bfloat16 pattern is odd."""
    odd = (f32_bits(x) >> 16) & 1
    return bits_f32((f32_bits(y) & -65536) | 0x8000) if odd else y


def _half_flagged(fn):
    @jit(inline="always")
    def kernel(x):
        return _odd_to_midpoint(fn(x), x)

    return kernel


def test_fallback_recomputes_exactly_the_flagged_elements():
    """A fast kernel moving every odd input's value onto a midpoint (wrong there by up to half a
    bfloat16 ulp): the checked loop must recompute those, and only those give the exact kernel."""
    from fastact.activations import fast

    sig = registry.get("sigmoid")
    kernels = registry.checked(sig.kernels, _half_flagged(fast.sigmoid_f32), 6)
    f = build.build(dataclasses.replace(sig, name="sigmoid_half_flagged", kernels=kernels), cache=False)
    xb = _bf(G.bf16_inputs(finite=False))
    want = _exact(fastact.sigmoid, xb)
    assert _same(f(xb).view(np.uint16), want)
    z = xb.copy()
    f(z, out=z)
    assert _same(z.view(np.uint16), want)
    # the kernel alone is wrong on many odd inputs: the loop did recompute them
    y = G.f32_values(_half_flagged(fast.sigmoid_f32), G.bf16_inputs(finite=False))
    assert np.sum(y.astype(BF).view(np.uint16) != want) > 1000


@pytest.mark.skipif(threads.max_threads() < 2, reason="numba sees one core")
@pytest.mark.parametrize("path", PATHS)
def test_threaded_checked_loops_give_one_threads_bits(path):
    rng = np.random.default_rng(2)
    x = _bf((rng.standard_normal(3 * 4096 + 37) * 4).astype(np.float32))
    x[::97] = _bf(np.float32([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-39]))[np.arange(x[::97].size) % 6]
    pb = [_bf(np.float32([p]))[0] for p in registry.by_path(path).example_params()[0]]
    f = fastact.resolve(path)
    before = (threads.get_num_threads(), threads.threshold())
    try:
        threads.set_threshold(0)
        threads.set_num_threads(1)
        one = f(x, *pb)
        threads.set_num_threads(threads.max_threads())
        launched = threads.launches()
        many = f(x, *pb)
        assert threads.launches() > launched
    finally:
        threads.set_num_threads(max(before[0], 1))
        threads.set_threshold(before[1])
    assert np.array_equal(one.view(np.uint16), many.view(np.uint16))
    assert _same(one.view(np.uint16), _exact(f, x, *pb))
