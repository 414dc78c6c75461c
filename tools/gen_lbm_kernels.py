"""Generate ``src/bedflow/cfd/_lbm_kernels.py``, the numba kernels of the D3Q19 TRT solver.

    python tools/gen_lbm_kernels.py          # rewrites the module and formats it with ruff

The 19 directions are unrolled here, in Python, so that the kernels numba compiles are straight
line code over scalars: LLVM then vectorizes the loop over x (AVX2: 8 float32 nodes at a time;
check with ``stream_collide.inspect_asm`` for ``ymm`` registers). What the generated code relies
on, and what breaks vectorization when lost:

- one array view per population, made outside the ``prange`` loop: numba marks the arrays of a
  parallel loop body ``noalias`` when it finds no aliasing inside it, so LLVM knows that the 19
  streams are disjoint (within one flat array it would need hundreds of run-time checks);
- no branch and no conditional store in the x loop: solid nodes are computed like fluid ones
  (nothing fluid reads what they write), and halfway bounce-back is a sparse copy through
  ``ghost`` around each row, one loop over the row's links by flat index into ``f`` (a
  select-on-store becomes an AVX masked store, slow on AMD);
- unit-stride access with unsigned indices (numba adds a wraparound test to signed ones); the
  periodic ends of a row are one-node segments of the same loop; the interior runs in chunks of
  one vector, the last one shifted back, so no scalar remainder loop runs;
- arithmetic in the storage precision: every constant comes from the ``params`` array, which
  has the dtype of the populations (a Python float literal would promote float32 to float64);
- no reduction in the time-step kernel (a max reduction does not vectorize without 'nnan').
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src" / "bedflow" / "cfd" / "_lbm_kernels.py"

# D3Q19, ordered so that q and q + 9 are opposite (q = 1..9).
C = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, -1, 0), (1, 0, 1), (1, 0, -1)]
C += [(0, 1, 1), (0, 1, -1)]
C += [(-a, -b, -c) for (a, b, c) in C[1:]]
WCLASS = [0] + [1] * 3 + [2] * 6 + [1] * 3 + [2] * 6  # 0: rest, 1: axis, 2: diagonal
OPP = [0] + [q + 9 for q in range(1, 10)] + [q - 9 for q in range(10, 19)]
CHUNK = 8  # one AVX2 vector of float32

# Kernel parameters, in the storage precision: (name, float64 expression of omega_p, omega_m, gz,
# cf_p = 1 - omega_p / 2, cf_m = 1 - omega_m / 2 and the weights W0, W1, W2).
PARAMS = [
    ("one", "1.0"),
    ("zero", "0.0"),
    ("half", "0.5"),
    ("gz", "gz"),
    ("c15", "1.5"),
    ("pp", "1.0 - omega_p"),
    ("ph", "0.5 * (1.0 - omega_p)"),
    ("mh", "0.5 * (1.0 - omega_m)"),
    ("pw0", "omega_p * W0"),
    ("pw1", "omega_p * W1"),
    ("pw2", "omega_p * W2"),
    ("pe1", "omega_p * 4.5 * W1"),
    ("pe2", "omega_p * 4.5 * W2"),
    ("pa1", "omega_m * 3.0 * W1"),
    ("pa2", "omega_m * 3.0 * W2"),
    ("u0", "3.0 * cf_p * W0"),
    ("u1", "3.0 * cf_p * W1"),
    ("u2", "3.0 * cf_p * W2"),
    ("fz1", "9.0 * cf_p * W1 * gz"),
    ("fz2", "9.0 * cf_p * W2 * gz"),
    ("o1", "3.0 * cf_m * W1"),
    ("o2", "3.0 * cf_m * W2"),
    ("rest", "0.0"),
]
PNAMES = [name for name, _ in PARAMS]
MOMENT_PARAMS = ("one", "zero", "half", "gz", "rest")
REST = PNAMES.index("rest")

# Rows of the nine (y, z) neighbours of row (z, y), named r<y><z> with m/0/p for -1/0/+1.
SIGN = {-1: "m", 0: "0", 1: "p"}
ROWS = [f"r{SIGN[dy]}{SIGN[dz]}" for dy in (-1, 0, 1) for dz in (-1, 0, 1)]


def nbr_row(q: int) -> str:
    """Row of node n + c_q."""
    _, cy, cz = C[q]
    return f"r{SIGN[cy]}{SIGN[cz]}"


def c_dot_u(q: int) -> str:
    terms = []
    for comp, u in zip(C[q], ("ux", "uy", "uz"), strict=True):
        if comp:
            terms.append(("+ " if comp > 0 else "- ") + u)
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def unpack_params(ind: str, names: tuple[str, ...] = tuple(PNAMES)) -> list[str]:
    return [f"{ind}{name} = p[{PNAMES.index(name)}]" for name in names]


def views(ind: str, first: int = 0) -> list[str]:
    return [f"{ind}v{q} = f[{q} * s : {q + 1} * s]" for q in range(first, 19)]


def row_setup(ind: str) -> list[str]:
    """Start index of row (z, y) and of its eight periodic neighbours; needs z, zm, zp, y."""
    zmap = {"m": "zm", "0": "z", "p": "zp"}
    ymap = {"m": "ym", "0": "y", "p": "yp"}
    out = [
        f"{ind}ym = y - 1 if y > 0 else ny - 1",
        f"{ind}yp = y + 1 if y < ny - 1 else 0",
    ]
    for r in ROWS:
        out.append(f"{ind}{r} = ({zmap[r[2]]} * ny + {ymap[r[1]]}) * nx")
    return out


def segments(ind: str, odd: bool) -> list[str]:
    """Head of the loop over the nodes of a row, in three segments: x = 0, the interior,
    x = nx - 1. ``e<q>`` is the index, in view q, of the slot node x reads and writes there:
    x itself in an even step, x + c_q in an odd one, where the end segments wrap (``wl`` /
    ``wh`` shift c_x = -1 / +1 across the periodic end). Continue with :func:`node_loops`."""
    out = [
        f"{ind}for seg in range(3):",
        f"{ind}    if seg == 0:",
        f"{ind}        lo, hi, wl, wh = 0, 1, nx, (-nx if nx == 1 else 0)",
        f"{ind}    elif seg == 1:",
        f"{ind}        lo, hi, wl, wh = 1, nx - 1, 0, 0",
        f"{ind}    else:",
        f"{ind}        lo, hi, wl, wh = max(nx - 1, 1), nx, 0, -nx",
        f"{ind}    e0 = np.uint64(r00)",
    ]
    if odd:
        shift = {1: " + 1 + wh", 0: "", -1: " - 1 + wl"}
        for q in range(1, 19):
            out.append(f"{ind}    e{q} = np.uint64({nbr_row(q)}{shift[C[q][0]]})")
    return out


def node_loops(ind: str, plain: list[str], tail: list[str] | None = None) -> list[str]:
    """The nodes lo..hi-1 of a segment, each once (the AA pattern updates in place).

    Without ``tail``, a plain loop: LLVM vectorizes it and runs the last (hi - lo) % 8 nodes in
    a scalar remainder (good enough for the kernels that run once per check). With ``tail``,
    whole chunks of one vector run ``plain`` (a loop of constant trip count: straight vector
    code) and the rest runs ``tail`` in one chunk shifted back to end at ``hi``, where the
    nodes already done (``fresh`` false) write back what they read: faster on wide rows
    (bench/bench_lbm.py), at the price of compiling the node body twice."""
    if tail is None:
        return [f"{ind}    for x in range(lo, hi):", f"{ind}        iu = np.uint64(x)", *plain]
    return [
        f"{ind}    nfull = (hi - lo) // CHUNK",
        f"{ind}    for c in range(nfull):",
        f"{ind}        c0 = lo + c * CHUNK",
        f"{ind}        for x in range(c0, c0 + CHUNK):",
        f"{ind}            iu = np.uint64(x)",
        *[f"    {line}" for line in plain],
        f"{ind}    xd = lo + nfull * CHUNK",
        f"{ind}    if xd < hi:",
        f"{ind}        for x in range(max(lo, hi - CHUNK), hi):",
        f"{ind}            iu = np.uint64(x)",
        f"{ind}            fresh = x >= xd",
        *[f"    {line}" for line in tail],
    ]


BODY = " " * 24  # indentation of the node body inside node_loops()


def slot(q: int, odd: bool) -> str:
    """Where node x keeps population q's slot of view q: ``v<q>[e<q> + iu]``."""
    return f"v{q}[e{q if odd else 0} + iu]"


def pull_and_moments(ind: str, odd: bool, tail: bool = False) -> list[str]:
    """Load the 19 incoming populations (even step: f_q = v_q[x]; odd step:
    f_q = v_qbar[x - c_q]), form the sums S_k = f_k + f_kbar and differences
    D_k = f_k - f_kbar of the nine pairs, and the moments from them. In the ``tail`` chunk
    the nodes already done count as solid (``fl`` false). The rest population counts less
    ``rest``, the mass that the interpolated links added in the step before (see
    :func:`bounce_back`)."""
    out = [f"{ind}f0 = {slot(0, odd)}", f"{ind}g0 = f0 - rest"]
    for q in range(1, 19):
        out.append(f"{ind}f{q} = {slot(OPP[q] if odd else q, odd)}")
    for k in range(1, 10):
        out.append(f"{ind}s{k} = f{k} + f{OPP[k]}")
        out.append(f"{ind}d{k} = f{k} - f{OPP[k]}")

    def j(comp: int) -> str:
        text = " ".join(
            ("+ " if C[k][comp] > 0 else "- ") + f"d{k}" for k in range(1, 10) if C[k][comp]
        )
        return text[2:] if text.startswith("+ ") else "-" + text[2:]

    out += [
        f"{ind}fl = (fluid[e0 + iu] != 0) & fresh" if tail else f"{ind}fl = fluid[e0 + iu] != 0",
        f"{ind}drho = g0 + ((s1 + s2) + (s3 + s4)) + ((s5 + s6) + (s7 + s8)) + s9",
        f"{ind}rho = one + drho",
        f"{ind}gm = gz if fl else zero",
        f"{ind}jx = {j(0)}",
        f"{ind}jy = {j(1)}",
        f"{ind}jz = {j(2)} + half * gm",
        f"{ind}inv = one / rho",
        f"{ind}inv = inv if fl else zero",
        f"{ind}ux = jx * inv",
        f"{ind}uy = jy * inv",
        f"{ind}uz = jz * inv",
    ]
    return out


def collide(ind: str, odd: bool, tail: bool = False) -> list[str]:
    """TRT collision with Guo forcing on the pairs, written as

        f_k' = sym + asym, f_kbar' = sym - asym,
        sym = (1 - omega_p) S_k / 2 + omega_p feq_sym + F_sym,
        asym = (1 - omega_m) D_k / 2 + omega_m feq_asym + F_asym,

    with feq_sym = w (A + 4.5 rho cu^2), A = drho - 1.5 rho u^2, feq_asym = 3 w rho cu,
    F_sym = (1 - omega_p / 2) w (9 cu c_z g - 3 u_z g), F_asym = (1 - omega_m / 2) 3 w c_z g;
    the same algebra as f' = f - omega_p (f^+ - feq^+) - omega_m (f^- - feq^-) + F.

    f_q' goes to slot q of the node's next position (even step: view qbar at x; odd step: view
    q at x + c_q), the slot f_qbar came from. Solid nodes are collided too, with zero velocity
    and no force, which keeps their values bounded; no fluid node reads what they write (see
    :func:`bounce_back`). In the ``tail`` chunk, nodes already done write back f_qbar."""

    def store(q: int, value: str) -> str:
        target = slot(OPP[q], odd) if not odd else slot(q, odd)
        if tail:
            return f"{ind}{target} = {value} if fresh else f{OPP[q]}"
        return f"{ind}{target} = {value}"

    out = [
        f"{ind}usq = ux * ux + uy * uy + uz * uz",
        f"{ind}aa = drho - c15 * rho * usq",
        f"{ind}ug = uz * gz",
        store(0, "pp * g0 + (pw0 * aa - u0 * ug)"),
        f"{ind}bb1 = pw1 * aa - u1 * ug",
        f"{ind}bb2 = pw2 * aa - u2 * ug",
        f"{ind}fo1 = o1 * gm",
        f"{ind}fo2 = o2 * gm",
    ]
    for k in range(1, 10):
        w = WCLASS[k]
        cz = C[k][2]
        out += [f"{ind}cu = {c_dot_u(k)}", f"{ind}rcu = rho * cu"]
        if cz == 0:
            out.append(f"{ind}sym = ph * s{k} + (bb{w} + cu * (pe{w} * rcu))")
            out.append(f"{ind}asym = mh * d{k} + pa{w} * rcu")
        else:
            pm = "+" if cz == 1 else "-"
            out.append(f"{ind}sym = ph * s{k} + (bb{w} + cu * (pe{w} * rcu {pm} fz{w}))")
            out.append(f"{ind}asym = mh * d{k} + (pa{w} * rcu {pm} fo{w})")
        out += [store(k, "sym + asym"), store(OPP[k], "sym - asym")]
    return out


def bounce_back(ind: str, odd: bool, post: bool, count: bool = True) -> list[str]:
    """The boundary links of row r: fluid node n whose neighbour m = n - c_q is solid.

    Halfway bounce-back gives n, as incoming f_q, its own f_qbar' of the previous step. In an
    even step n reads f_q from slot (q, n) and writes f_qbar' there; in an odd step both go
    through slot (qbar, m). That slot belongs to n during the step, but to the solid node in the
    other step, which overwrites it. So after a row (``post``) each link saves its slot to
    ``ghost``, and before the row in the next step (not ``post``) puts it back into the slot
    of that step's parity. Both happen in the row's own iteration: race-free.

    Interpolated bounce-back (``scheme`` 1 or 2) puts the wall at a fraction q of the link
    from n to m and adds two post-collision (primed) terms of the same step: f_q'(n), the
    population n sends away from the wall, and f_qbar'(n + c_q), the one the next node sends
    towards it. With one coefficient kappa per link:

        scheme 1, Bouzidi, Firdaouss & Lallemand (2001), Phys. Fluids 13, 3452 (BFL):
          q < 1/2, kappa = -(1 - 2q):    f_q(n) = 2q f_qbar'(n) + (1 - 2q) f_qbar'(n + c_q)
          q >= 1/2, kappa = (2q-1)/(2q): f_q(n) = f_qbar'(n) / (2q) + (2q - 1)/(2q) f_q'(n)
        scheme 2, central linear interpolation, Ginzburg, Verhaeghe & d'Humieres (2008),
          Commun. Comput. Phys. 3, 427 (CLI), kappa = (1 - 2q) / (1 + 2q):
          f_q(n) = f_qbar'(n) + kappa (f_qbar'(n + c_q) - f_q'(n))

    kappa = 0 is halfway in both. The post hook adds the f_q'(n) term (n wrote it in this
    step, in the row just done) and the pre hook of the next step the f_qbar'(n + c_q) term
    (n + c_q wrote it in the previous step, maybe in another row; in this step only n touches
    that slot, so it is intact until n's row). The slot of either term is ``far_even`` /
    ``far_odd``: (qbar, n) and (q, n + c_q), where the AA pattern keeps f_q'(n) after an even
    / odd step and f_qbar'(n + c_q) after an odd / even one.

    One loop over all the row's links, through their flat indices in ``f`` (``slot_even`` /
    ``slot_odd``): one loop per direction and view, 18 short loops per row, made the packed-bed
    case of bench/bench_lbm.py markedly slower (docs/flow.md, "Why our own kernel").
    Indexing ``f`` itself here, outside the x loop, leaves that loop vectorized (its assembly
    still works on ymm registers).

    Mass: the interpolated terms move mass through the wall, a per link and step (the
    f_q(n) it returns less what halfway would), CLI's a = kappa (f_qbar'(n + c_q) - f_q'(n)).
    It is a difference of post-collision populations of two nodes; its equilibrium and force
    parts cancel between fore and aft links, and in creeping flow its non-equilibrium parts
    nearly do, but inertia leaves a net loss: a packed bed at Re_p 10 and tau 0.512 lost 9e-5
    of its mean density per step and ran away. So each z slab sums its links' a into
    ``leak[z]`` (``count``) and the driver takes the total from the rest populations of the
    fluid nodes in the next step, evenly (``params`` entry ``rest``: the total divided by the
    number of fluid nodes; every node's rest population counts that much less).
    Taking each link's a from its own node's rest population instead conserves mass as well
    but costs accuracy (+0.6% on Zick & Homsy's SC array at c = 0.45, a = 8, against +0.05%):
    it moves mass among the node's populations and so changes its stress."""
    index = "slot_odd" if odd else "slot_even"
    far = "far_odd" if odd else "far_even"
    loop = "for k in range(link_ptr[r], link_ptr[r + 1]):"
    if post:  # the f_q'(n) term; a: the mass the link adds to f_q(n)
        cli = [f"a = -kq * f[{far}[k]]"]
        bfl = [f"a = max(kq, zero) * f[{far}[k]] - abs(kq) * fb"]
        tail = ["ghost[k] = fb + a"]
        head = ["kq = kappa[k]", f"fb = f[{index}[k]]"]
    else:  # the f_qbar'(n + c_q) term
        cli = [f"a = kq * f[{far}[k]]"]
        bfl = [f"a = max(-kq, zero) * f[{far}[k]]"]
        tail = [f"f[{index}[k]] = ghost[k] + a"]
        head = ["kq = kappa[k]"]
    if count:
        tail.append("acc += a")
    plain = f"ghost[k] = f[{index}[k]]" if post else f"f[{index}[k]] = ghost[k]"
    out = []
    for cond, body in (("if scheme == 2:", cli), ("elif scheme == 1:", bfl)):
        out += [f"{ind}{cond}", f"{ind}    {loop}"]
        out += [f"{ind}        {line}" for line in head + body + tail]
    out += [f"{ind}else:", f"{ind}    {loop}", f"{ind}        {plain}"]
    return out


HEADER = '''"""Numba kernels of the D3Q19 two-relaxation-time (TRT) lattice-Boltzmann solver.

Generated by ``tools/gen_lbm_kernels.py``: do not edit by hand; change the generator, rerun
``python tools/gen_lbm_kernels.py`` and the validation tests in ``tests/cfd/``. The generator's
docstring lists what keeps the x loop vectorized.

Layout (structure of arrays): one flat buffer ``f``, population ``q`` of node
``n = (z * ny + y) * nx + x`` in slot ``q * s + n``. The stride ``s >= nz*ny*nx`` is padded by
the caller so that the 19 streams do not share cache sets (with a power-of-two stride they all
map to the same set and the kernel runs ~10x slower). Populations are stored as deviations from
the lattice weights, ``f_q - w_q``: float32 then resolves the small departures from equilibrium
instead of spending its mantissa on the constant ``w_q``. Arithmetic is in the storage
precision; the constants come in ``params`` (see :func:`kernel_params`).

Scheme: fused stream-collide in place, the AA pattern (Bailey et al. 2009, ICPP, "Accelerating
lattice Boltzmann fluid flow simulations using graphics processors"): one buffer, and each node
reads and writes the same 19 slots in a step, so a step moves 2 x 19 values per node with no
second buffer and no write-allocate traffic. Even steps are local: node x reads f_q from slot
(q, x) and writes f_q' to (qbar, x). Odd steps do the streaming: node x reads f_q from
(qbar, x - c_q) and writes f_q' to (q, x + c_q). After two steps the populations are back in
their natural slots, streamed twice.

Halfway bounce-back: a fluid node x whose neighbour x - c_q is solid must receive its own
f_qbar' of the previous step. Solid nodes are collided like fluid ones (zero velocity, no force:
their values stay bounded) so that the x loop has no branch, and nothing fluid reads what they
write: after a row is processed its boundary links save each such f_qbar' in ``ghost``, and
before the row is processed in the next step they put it into the slot the fluid node reads
(see ``bounce_back`` in the generator). The links of row r are ``link_ptr[r]:link_ptr[r + 1]``,
each with the flat index in ``f`` of its slot in an even and in an odd step.

Directions: ``q`` and ``q + 9`` are opposite (``q = 1..9``), so TRT works on pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import DTypeLike, NDArray

__all__ = [
    "CX",
    "CY",
    "CZ",
    "OPPOSITE",
    "REST",
    "SCHEMES",
    "WEIGHTS",
    "Q",
    "fill_ghosts",
    "kernel_params",
    "macroscopic",
    "moments",
    "stream_collide",
]

_Float = NDArray[Any]
_Index = NDArray[Any]
_U8 = NDArray[np.uint8]
_F64 = NDArray[np.float64]

Q = 19
W0 = 1.0 / 3.0
W1 = 1.0 / 18.0
W2 = 1.0 / 36.0
'''

SIG_LINKS = (
    "link_ptr: _Index, slot_even: _Index, slot_odd: _Index, ghost: _Float, far_even: _Index, "
    "far_odd: _Index, kappa: _Float, scheme: int"
)
DOC_LINKS = """    link_ptr : (nz ny + 1,) int, the boundary links of row r = z ny + y are
        ``link_ptr[r]:link_ptr[r + 1]``
    slot_even, slot_odd : (n_links,) int, flat index in ``f`` of the slot a link fills
        before an even step, q s + n (fluid node n), and before an odd one, qbar s + m
        (its solid neighbour m = n - c_q)
    ghost : (n_links,) float, the bounce-back population of each link (zero at rest)
    far_even, far_odd : (n_links,) int, flat index in ``f`` of the slot of the second term of
        the interpolated bounce-back in an even / odd step: qbar s + n and q s + (n + c_q)
    kappa : (n_links,) float in the storage precision, the link's interpolation coefficient
        (0: halfway)
    scheme : 0 halfway bounce-back on every link (reads neither ``far_*`` nor ``kappa``),
        1 Bouzidi-Firdaouss-Lallemand, 2 central linear interpolation (see ``bounce_back`` in
        the generator)"""


def zloop(lines: list[str], body: list[str]) -> None:
    add = lines.append
    add("        for z in prange(nz):")
    add("            zm = z - 1 if z > 0 else nz - 1")
    add("            zp = z + 1 if z < nz - 1 else 0")
    lines.extend(body)


def module() -> str:
    lines: list[str] = [HEADER]
    add = lines.append
    add(f"CX = np.array({[c[0] for c in C]}, dtype=np.int64)")
    add(f"CY = np.array({[c[1] for c in C]}, dtype=np.int64)")
    add(f"CZ = np.array({[c[2] for c in C]}, dtype=np.int64)")
    add(f"OPPOSITE = np.array({OPP}, dtype=np.int64)")
    add("WEIGHTS = np.array([W0] + [W1] * 3 + [W2] * 6 + [W1] * 3 + [W2] * 6)")
    add(f"CHUNK = {CHUNK}  # nodes per chunk of the vectorized x loop: one AVX2 float32 vector")
    add("#: The ``scheme`` argument of the kernels for each bounce-back name.")
    add('SCHEMES = {"halfway": 0, "bouzidi": 1, "cli": 2}')
    add("#: Index in ``params`` of the mass per fluid node taken from the rest populations.")
    add(f"REST = {REST}")
    add("")
    add("# No 'nnan'/'ninf': the driver detects divergence from NaN in the moments; the numpy")
    add("# error model lets 1/rho give inf instead of raising, which keeps the loops branch-free.")
    add('_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}')
    add("")
    add("")
    add("def kernel_params(omega_p: float, omega_m: float, gz: float, dtype: DTypeLike) -> _Float:")
    add('    """The ``params`` array of the kernels, in the storage ``dtype``.')
    add("")
    add("    omega_p, omega_m : TRT rates of the symmetric / antisymmetric parts")
    add("    gz : body-force density along z, lattice units")
    add('    """')
    add("    cf_p = 1.0 - 0.5 * omega_p")
    add("    cf_m = 1.0 - 0.5 * omega_m")
    add("    values = [")
    for name, expr in PARAMS:
        add(f"        {expr},  # {name}")
    add("    ]")
    add("    return np.array(values, dtype=dtype)")
    add("")
    add("")

    # --- stream_collide ---
    add('@njit(parallel=True, cache=True, fastmath=_FASTMATH, error_model="numpy")')
    add("def stream_collide(")
    add("    f: _Float, s: int, nz: int, ny: int, nx: int, odd: bool, fluid: _U8,")
    add(f"    {SIG_LINKS}, p: _Float, leak: _F64,")
    add(") -> None:")
    add(f'''    """One fused stream + TRT collision step in place, even (local) or odd (streaming).

    f : (19 * s,) float32/float64, populations minus weights, stride s
    odd : False for the even step, True for the odd one; they must alternate
    fluid : (nz*ny*nx,) uint8, 1 on fluid nodes, 0 on solid ones
{DOC_LINKS}
    p : ({len(PARAMS)},) float in the storage precision, :func:`kernel_params`; its entry
        ``REST`` is taken from every rest population as the step reads it
    leak : (nz,) float64 out, per z slab the mass the interpolated links added to the
        populations (0 with ``scheme`` 0); the driver gives its sum over the fluid nodes
        back through ``p[REST]``
    """''')
    lines.extend(unpack_params("    "))
    lines.extend(views("    "))
    for odd in (False, True):
        add("    if odd:" if odd else "    if not odd:")
        body = ["            acc = 0.0", "            for y in range(ny):"]
        body.extend(row_setup("                "))
        body.append("                r = z * ny + y")
        body.extend(bounce_back("                ", odd, post=False))
        body.extend(segments("                ", odd))
        plain = pull_and_moments(BODY, odd) + collide(BODY, odd)
        tail = pull_and_moments(BODY, odd, tail=True) + collide(BODY, odd, tail=True)
        body.extend(node_loops("                ", plain, tail))
        body.extend(bounce_back("                ", odd, post=True))
        body.append("            leak[z] = acc")
        zloop(lines, body)
    add("")
    add("")

    # --- fill_ghosts ---
    add('@njit(parallel=True, cache=True, error_model="numpy")')
    add("def fill_ghosts(")
    add(f"    f: _Float, s: int, nz: int, ny: int, odd: bool, {SIG_LINKS}, p: _Float")
    add(") -> None:")
    add('''    """The bounce-back slots that :func:`stream_collide` would fill before its next step
    (``odd`` is that step's parity), so that :func:`moments` and :func:`macroscopic` see the
    incoming populations."""''')
    lines.extend(unpack_params("    ", ("zero",)))
    for odd in (False, True):
        add("    if odd:" if odd else "    if not odd:")
        add("        for r in prange(nz * ny):")
        lines.extend(bounce_back("            ", odd, post=False, count=False))
    add("")
    add("")

    # --- moments ---
    add('@njit(parallel=True, cache=True, error_model="numpy")')
    add("def moments(")
    add("    f: _Float, s: int, nz: int, ny: int, nx: int, odd: bool, fluid: _U8, p: _Float,")
    add("    jz_slab: _F64, usq_slab: _F64,")
    add(") -> None:")
    add('''    """Per z slab, the sum of j_z and the max of |u|^2 over the fluid nodes, of the
    incoming populations of the next step (parity ``odd``; half-force corrected), after
    :func:`fill_ghosts`.

    jz_slab, usq_slab : (nz,) float64 out
    """''')
    lines.extend(unpack_params("    ", MOMENT_PARAMS))
    lines.extend(views("    "))
    for odd in (False, True):
        add("    if odd:" if odd else "    if not odd:")
        body = ["            jz_acc = 0.0", "            usq_max = 0.0"]
        body.append("            for y in range(ny):")
        body.extend(row_setup("                "))
        body.extend(segments("                ", odd))
        reduce = [
            f"{BODY}if fl:",
            f"{BODY}    jz_acc += jz",
            f"{BODY}    usq_max = max(usq_max, float(ux * ux + uy * uy + uz * uz))",
        ]
        body.extend(node_loops("                ", pull_and_moments(BODY, odd) + reduce))
        body.append("            jz_slab[z] = jz_acc")
        body.append("            usq_slab[z] = usq_max")
        zloop(lines, body)
    add("")
    add("")

    # --- macroscopic ---
    add('@njit(parallel=True, cache=True, error_model="numpy")')
    add("def macroscopic(")
    add("    f: _Float, s: int, nz: int, ny: int, nx: int, odd: bool, fluid: _U8, p: _Float,")
    add("    rho_out: _Float, u_out: _Float,")
    add(") -> None:")
    add('''    """Density and velocity (half-force corrected) of the incoming populations of the
    next step (parity ``odd``), after :func:`fill_ghosts`.

    rho_out : (nz*ny*nx,) float out, density (1 on solid nodes)
    u_out : (3, nz*ny*nx) float out, velocity (0 on solid nodes)
    """''')
    lines.extend(unpack_params("    ", MOMENT_PARAMS))
    lines.extend(views("    "))
    for odd in (False, True):
        add("    if odd:" if odd else "    if not odd:")
        body = ["            for y in range(ny):"]
        body.extend(row_setup("                "))
        body.extend(segments("                ", odd))
        write = [
            f"{BODY}n = e0 + iu",
            f"{BODY}rho_out[n] = rho if fl else one",
            f"{BODY}u_out[0, n] = ux",
            f"{BODY}u_out[1, n] = uy",
            f"{BODY}u_out[2, n] = uz",
        ]
        body.extend(node_loops("                ", pull_and_moments(BODY, odd) + write))
        zloop(lines, body)
    return "\n".join(lines) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    target.write_text(module())
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    subprocess.run([ruff, "format", "--quiet", str(target)], check=True)


if __name__ == "__main__":
    main()
