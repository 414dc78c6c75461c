"""The text of every dictionary of a bed's case, for either flavour of OpenFOAM.

Each function returns the file's full text. Values are written with 10 significant digits
(``repr`` of SI floats could be ``1e-05`` or ``1.5033222591362126e-05``; both parse, the
shorter reads better). Patches: ``inlet`` (z = 0), ``outlet`` (z = top), ``wall`` (the column),
``particles``, and ``sides`` (the background box's sides, outside the column: empty after
snappyHexMesh, which v1912 keeps and openfoam.org 11 removes; the boundary conditions name it
in a pattern, so either way is fine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bedflow.cfd._openfoam._constants import TURBULENCE_INTENSITY, TURBULENCE_LENGTH_FRACTION
from bedflow.cfd._openfoam._control import control
from bedflow.cfd._openfoam._layout import CaseLayout
from bedflow.cfd._openfoam._mesh_dicts import block_mesh, num, snappy
from bedflow.cfd._openfoam._version import OpenFoamVersion

__all__ = [
    "FIELD_NAMES",
    "PATCHES",
    "RAS_MODELS",
    "FlowSettings",
    "case_dictionaries",
    "num",
]

PATCHES = ("inlet", "outlet", "wall", "particles", "sides")
WALLS = "(wall|particles|sides)"

RAS_MODELS = {
    "k_epsilon": ("kEpsilon", ("k", "epsilon", "nut")),
    "realizable_k_epsilon": ("realizableKE", ("k", "epsilon", "nut")),
    "k_omega": ("kOmega", ("k", "omega", "nut")),
    "k_omega_sst": ("kOmegaSST", ("k", "omega", "nut")),
}
"""bedflow's turbulence model name -> (OpenFOAM's name, the fields it solves or computes)."""

FIELD_NAMES = ("U", "p", "k", "epsilon", "omega", "nut")

C_MU = 0.09
"""k-epsilon model constant C_mu (Launder & Spalding 1974), for the inlet epsilon and omega."""


@dataclass(frozen=True)
class FlowSettings:
    """What the solver dictionaries need, in SI: ``nu`` kinematic (m2/s), ``velocity`` the
    superficial velocity (m/s) and ``flow_rate`` (m3/s) that times the column cross-section."""

    nu: float
    velocity: float
    flow_rate: float
    max_iterations: int
    tolerance: float
    turbulence_model: str | None
    cores: int

    @property
    def ras(self) -> tuple[str, tuple[str, ...]] | None:
        """OpenFOAM's RAS model name and its fields, or None for laminar flow."""
        return None if self.turbulence_model is None else RAS_MODELS[self.turbulence_model]


def header(cls: str, obj: str, location: str, version: OpenFoamVersion) -> str:
    return (
        "/*--------------------------------*- C++ -*----------------------------------*\\\n"
        f"  written by bedflow for {version}\n"
        "\\*---------------------------------------------------------------------------*/\n"
        "FoamFile\n{\n"
        "    version     2.0;\n"
        "    format      ascii;\n"
        f"    class       {cls};\n"
        f'    location    "{location}";\n'
        f"    object      {obj};\n"
        "}\n\n"
    )


def schemes() -> str:
    return """ddtSchemes
{
    default         steadyState;
}

gradSchemes
{
    default         Gauss linear;
    grad(U)         cellLimited Gauss linear 1;
    grad(k)         cellLimited Gauss linear 1;
    grad(epsilon)   cellLimited Gauss linear 1;
    grad(omega)     cellLimited Gauss linear 1;
}

divSchemes
{
    default         none;
    div(phi,U)      bounded Gauss linearUpwind grad(U);
    div(phi,k)      bounded Gauss limitedLinear 1;
    div(phi,epsilon) bounded Gauss limitedLinear 1;
    div(phi,omega)  bounded Gauss limitedLinear 1;
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}

laplacianSchemes
{
    default         Gauss linear limited corrected 0.5;
}

interpolationSchemes
{
    default         linear;
}

snGradSchemes
{
    default         limited corrected 0.5;
}

wallDist
{
    method          meshWave;
}
"""


def solution(flow: FlowSettings) -> str:
    tol = num(flow.tolerance)
    turb = ""
    if flow.ras is not None:
        names = "|".join(f for f in flow.ras[1] if f != "nut")
        turb = f'\n        "({names})" {tol};'
    return f"""solvers
{{
    p
    {{
        solver          GAMG;
        smoother        GaussSeidel;
        tolerance       1e-10;
        relTol          0.05;
    }}
    "(U|k|epsilon|omega)"
    {{
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-10;
        relTol          0.1;
    }}
}}

// SIMPLEC; converged when every initial residual is below convergence_criteria
SIMPLE
{{
    nNonOrthogonalCorrectors 1;
    consistent      yes;
    residualControl
    {{
        p {tol};
        U {tol};{turb}
    }}
}}

relaxationFactors
{{
    equations
    {{
        U               0.8;
        ".*"            0.8;
    }}
}}
"""


def transport(flow: FlowSettings, version: OpenFoamVersion) -> tuple[str, str]:
    """(file name, text) of the viscosity dictionary: ``nu`` is KINEMATIC, m2/s."""
    nu = f"nu              [0 2 -1 0 0 0 0] {num(flow.nu)};"
    if version.flavour == "org":
        return "physicalProperties", f"viscosityModel  constant;\n{nu}\n"
    return "transportProperties", f"transportModel  Newtonian;\n{nu}\n"


def turbulence(flow: FlowSettings, version: OpenFoamVersion) -> tuple[str, str]:
    """(file name, text) of the turbulence dictionary."""
    name = "momentumTransport" if version.flavour == "org" else "turbulenceProperties"
    if flow.ras is None:
        return name, "simulationType  laminar;\n"
    key = "model" if version.flavour == "org" else "RASModel"
    extra = "\n    viscosityModel  Newtonian;" if version.flavour == "org" else ""
    return name, (
        f"simulationType  RAS;\n\nRAS\n{{\n    {key:<15} {flow.ras[0]};\n"
        f"    turbulence      on;\n    printCoeffs     on;{extra}\n}}\n"
    )


def inlet_turbulence(velocity: float, particle_diameter: float) -> dict[str, float]:
    """Inlet k (m2/s2), epsilon (m2/s3) and omega (1/s) from the intensity and length scale."""
    k = 1.5 * (TURBULENCE_INTENSITY * velocity) ** 2
    length = TURBULENCE_LENGTH_FRACTION * particle_diameter
    return {
        "k": k,
        "epsilon": C_MU**0.75 * k**1.5 / length,
        "omega": math.sqrt(k) / (C_MU**0.25 * length),
    }


def fields(flow: FlowSettings, particle_diameter: float) -> dict[str, tuple[str, str]]:
    """Initial fields: name -> (class, text)."""
    u = num(flow.velocity)
    out = {
        "U": (
            "volVectorField",
            f"""dimensions      [0 1 -1 0 0 0 0];
internalField   uniform (0 0 {u});
boundaryField
{{
    // the flow rate of the superficial velocity over the whole column cross-section: the
    // meshed inlet is smaller where particles rest on the floor
    inlet
    {{
        type                flowRateInletVelocity;
        volumetricFlowRate  {num(flow.flow_rate)};
        value               uniform (0 0 {u});
    }}
    outlet  {{ type zeroGradient; }}
    "{WALLS}" {{ type noSlip; }}
}}
""",
        ),
        "p": (
            "volScalarField",
            f"""dimensions      [0 2 -2 0 0 0 0];
internalField   uniform 0;
boundaryField
{{
    inlet   {{ type zeroGradient; }}
    outlet  {{ type fixedValue; value uniform 0; }}
    "{WALLS}" {{ type zeroGradient; }}
}}
""",
        ),
    }
    if flow.ras is None:
        return out
    inlet = inlet_turbulence(flow.velocity, particle_diameter)
    dims = {"k": "[0 2 -2 0 0 0 0]", "epsilon": "[0 2 -3 0 0 0 0]", "omega": "[0 0 -1 0 0 0 0]"}
    wall_fn = {"k": "kqRWallFunction", "epsilon": "epsilonWallFunction"}
    wall_fn["omega"] = "omegaWallFunction"
    for name in flow.ras[1]:
        if name == "nut":
            out[name] = (
                "volScalarField",
                f"""dimensions      [0 2 -1 0 0 0 0];
internalField   uniform 0;
boundaryField
{{
    inlet   {{ type calculated; value uniform 0; }}
    outlet  {{ type calculated; value uniform 0; }}
    "{WALLS}" {{ type nutkWallFunction; value uniform 0; }}
}}
""",
            )
            continue
        v = num(inlet[name])
        out[name] = (
            "volScalarField",
            f"""dimensions      {dims[name]};
internalField   uniform {v};
boundaryField
{{
    inlet   {{ type fixedValue; value uniform {v}; }}
    outlet  {{ type inletOutlet; inletValue uniform {v}; value uniform {v}; }}
    "{WALLS}" {{ type {wall_fn[name]}; value uniform {v}; }}
}}
""",
        )
    return out


def _split(cores: int) -> tuple[int, int, int]:
    """Subdomains along x, y, z: across the column (x, y), as square as possible."""
    nx = max(a for a in range(1, math.isqrt(cores) + 1) if cores % a == 0)
    return cores // nx, nx, 1


def decompose(cores: int) -> str:
    nx, ny, nz = _split(cores)
    return f"""numberOfSubdomains {cores};

// scotch and metis are stubs in Debian's v1912 build
method          simple;

simpleCoeffs
{{
    n           ({nx} {ny} {nz});
    delta       0.001;
}}
"""


def case_dictionaries(
    lay: CaseLayout, flow: FlowSettings, version: OpenFoamVersion
) -> dict[str, str]:
    """Every dictionary of the case: path relative to the case -> full text."""
    out: dict[str, str] = {}

    def put(path: str, text: str, cls: str = "dictionary") -> None:
        location, obj = path.rsplit("/", 1)
        out[path] = header(cls, obj, location, version) + text

    put("system/blockMeshDict", block_mesh(lay))
    put("system/snappyHexMeshDict", snappy(lay, version))
    put("system/controlDict", control(lay, flow.max_iterations, version))
    put("system/fvSchemes", schemes())
    put("system/fvSolution", solution(flow))
    put("system/decomposeParDict", decompose(max(flow.cores, 1)))
    name, text = transport(flow, version)
    put(f"constant/{name}", text)
    name, text = turbulence(flow, version)
    put(f"constant/{name}", text)
    for field, (cls, text) in fields(flow, lay.mesh_diameter).items():
        put(f"0/{field}", text, cls)
    return out
