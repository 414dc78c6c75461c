"""``system/controlDict`` of a bed's case and its function objects, for either flavour.

The function objects write, every iteration, the area-averaged kinematic pressure on the
inlet, the outlet and two planes in the packed region (``pInlet``, ``pOutlet``, ``pPlane1``,
``pPlane2``), and the flow rate through the inlet (``flowInlet``, the sum of phi),
to ``postProcessing/<name>/<time of the first write>/surfaceFieldValue.dat``: dp/L is parsed
from those files, never typed in. openfoam.org 11 names the selection ``select``/``patch`` and
the plane ``cutPlane`` with its point and normal inline; v1912 ``regionType``/``name`` and
``cuttingPlane`` with a ``pointAndNormalDict`` (11 still reads those too).
"""

from __future__ import annotations

from bedflow.cfd._openfoam._layout import CaseLayout
from bedflow.cfd._openfoam._mesh_dicts import num, vec
from bedflow.cfd._openfoam._version import OpenFoamVersion

__all__ = ["control"]


def _surface_value(name: str, version: OpenFoamVersion, region: str, operation: str) -> str:
    select = "select" if version.flavour == "org" else "regionType"
    return f"""    {name}
    {{
        type            surfaceFieldValue;
        libs            ("libfieldFunctionObjects.so");
        writeControl    timeStep;
        writeInterval   1;
        log             false;
        writeFields     false;
        {select}{region}
        operation       {operation};
        fields          ({"phi" if operation == "sum" else "p"});
    }}
"""


def _patch_region(patch: str, version: OpenFoamVersion) -> str:
    if version.flavour == "org":
        return f"      patch;\n        patch           {patch};"
    return f"      patch;\n        name            {patch};"


def _plane_region(name: str, z: float, version: OpenFoamVersion) -> str:
    point = vec((0.0, 0.0, z))
    if version.flavour == "org":
        plane = f"""type        cutPlane;
            planeType   pointAndNormal;
            point       {point};
            normal      (0 0 1);"""
    else:
        plane = f"""type        cuttingPlane;
            planeType   pointAndNormal;
            pointAndNormalDict
            {{
                point   {point};
                normal  (0 0 1);
            }}"""
    return f"""      sampledSurface;
        name            {name};
        sampledSurfaceDict
        {{
            {plane}
            interpolate false;
        }}"""


def control(lay: CaseLayout, max_iterations: int, version: OpenFoamVersion) -> str:
    """controlDict: the solver, ``max_iterations`` steady iterations, and the function objects
    that write the pressure on the inlet, the outlet and two planes, and the inlet's flow rate."""
    if version.flavour == "org":
        app = "application     foamRun;\nsolver          incompressibleFluid;"
    else:
        app = "application     simpleFoam;"
    z1, z2 = lay.planes
    functions = "".join(
        [
            _surface_value("pInlet", version, _patch_region("inlet", version), "areaAverage"),
            _surface_value("pOutlet", version, _patch_region("outlet", version), "areaAverage"),
            _surface_value("pPlane1", version, _plane_region("plane1", z1, version), "areaAverage"),
            _surface_value("pPlane2", version, _plane_region("plane2", z2, version), "areaAverage"),
            _surface_value("flowInlet", version, _patch_region("inlet", version), "sum"),
        ]
    )
    return f"""{app}

startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         {max_iterations};
deltaT          1;
writeControl    timeStep;
writeInterval   {max_iterations};
purgeWrite      0;
writeFormat     ascii;
writePrecision  10;
writeCompression off;
timeFormat      general;
timePrecision   8;
runTimeModifiable false;

// area-averaged kinematic pressure p/rho (m2/s2) on the inlet, the outlet and two planes in
// the packed region (z = {num(z1)} m and {num(z2)} m), every iteration
functions
{{
{functions}}}
"""
