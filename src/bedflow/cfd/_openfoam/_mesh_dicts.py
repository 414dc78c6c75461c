"""The mesh dictionaries of a bed's case: blockMesh's background box and snappyHexMesh's
refinement, snapping and (optional) prism layers; and how numbers are written in them.

Split from ``_dicts`` (the solver's dictionaries), which composes the whole case.
"""

from __future__ import annotations

from bedflow.cfd._openfoam._layout import CaseLayout
from bedflow.cfd._openfoam._version import OpenFoamVersion

__all__ = ["block_mesh", "num", "snappy", "vec"]


def num(value: float) -> str:
    """A float as OpenFOAM reads it, 10 significant digits."""
    return f"{value:.10g}"


def vec(v: tuple[float, float, float]) -> str:
    return f"({num(v[0])} {num(v[1])} {num(v[2])})"


def block_mesh(lay: CaseLayout) -> str:
    (x0, y0, z0), (x1, y1, z1) = lay.box_min, lay.box_max
    nx, ny, nz = lay.cells
    pts = [
        (x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0),
        (x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1),
    ]  # fmt: skip
    vertices = "\n".join(f"    {vec(p)}" for p in pts)
    return f"""convertToMeters 1;

vertices
(
{vertices}
);

blocks
(
    hex (0 1 2 3 4 5 6 7) ({nx} {ny} {nz}) simpleGrading (1 1 1)
);

edges ();

boundary
(
    inlet
    {{
        type patch;
        faces ((0 3 2 1));
    }}
    outlet
    {{
        type patch;
        faces ((4 5 6 7));
    }}
    sides
    {{
        type wall;
        faces ((0 1 5 4) (1 2 6 5) (2 3 7 6) (3 0 4 7));
    }}
);

mergePatchPairs ();
"""


def snappy(lay: CaseLayout, version: OpenFoamVersion) -> str:
    org = version.flavour == "org"
    if org:
        geometry = """    particles { type triSurfaceMesh; file "particles.stl"; }
    wall { type triSurfaceMesh; file "wall.stl"; }"""
        location = f"insidePoint {vec(lay.location)};"
        medial = "minMedianAxisAngle 90;"
    else:
        geometry = """    particles.stl { type triSurfaceMesh; name particles; }
    wall.stl { type triSurfaceMesh; name wall; }"""
        location = f"locationInMesh {vec(lay.location)};"
        medial = "minMedialAxisAngle 90;"
    lp, lw = lay.level_particles, lay.level_walls
    if lay.fill:
        top = lay.bed_top + 0.5 * lay.particle_diameter
        cylinder = f"point1 (0 0 0); point2 (0 0 {num(top)}); radius {num(lay.radius)};"
        geometry += f"""
    bed {{ type searchableCylinder; {cylinder} }}"""
        regions = f"""{{
        // the pores of the whole packed region at the particles' level
        bed {{ mode inside; levels ((1e15 {lp})); }}
    }}"""
    else:
        regions = "{ }"
    if lay.layers:
        n = lay.layers
        layers_note = (
            f"// {n} prism layers at the particles and the wall, sizes relative to the cells"
        )
        layers = f"{{ particles {{ nSurfaceLayers {n}; }} wall {{ nSurfaceLayers {n}; }} }}"
        expansion = "1.2"
    else:
        layers_note = "// no layers; snappyHexMesh still wants the block"
        layers, expansion = "{ }", "1.0"
    return f"""castellatedMesh true;
snap            true;
addLayers       {"true" if lay.layers else "false"};

geometry
{{
{geometry}
}}

castellatedMeshControls
{{
    maxLocalCells       5000000;
    maxGlobalCells      50000000;
    minRefinementCells  0;
    maxLoadUnbalance    0.10;
    nCellsBetweenLevels 2;
    features            ();
    refinementSurfaces
    {{
        // level {lp}: cells_per_dp cells per particle diameter at the particles
        particles {{ level ({lp} {lp}); patchInfo {{ type wall; }} }}
        wall {{ level ({lw} {lw}); patchInfo {{ type wall; }} }}
    }}
    resolveFeatureAngle 30;
    refinementRegions {regions}
    // the centre of a finest cell, {num(lay.clearance)} m from every particle, the wall, the
    // floor and the top (checked by bedflow)
    {location}
    allowFreeStandingZoneFaces true;
    // snappyHexMesh's default removes every cut cell it deems a snapping problem: on a bed
    // of spheres that takes 9 % of the pore volume at 10 cells per diameter (mesh porosity
    // 0.446 for a geometric 0.490); leaving them to the geometric check keeps it at 0.476
    handleSnapProblems          false;
    useTopologicalSnapDetection false;
}}

snapControls
{{
    nSmoothPatch            3;
    tolerance               2.0;
    nSolveIter              50;
    nRelaxIter              5;
    nFeatureSnapIter        10;
    implicitFeatureSnap     false;
    explicitFeatureSnap     false;
    multiRegionFeatureSnap  false;
}}

{layers_note}
addLayersControls
{{
    relativeSizes               true;
    layers                      {layers}
    expansionRatio              {expansion};
    finalLayerThickness         0.3;
    minThickness                0.1;
    nGrow                       0;
    featureAngle                60;
    nRelaxIter                  3;
    nSmoothSurfaceNormals       1;
    nSmoothNormals              3;
    nSmoothThickness            10;
    maxFaceThicknessRatio       0.5;
    maxThicknessToMedialRatio   0.3;
    {medial}
    nBufferCellsNoExtrude       0;
    nLayerIter                  50;
}}

meshQualityControls
{{
    maxNonOrtho             65;
    maxBoundarySkewness     4;  // checkMesh's own limit
    maxInternalSkewness     4;
    maxConcave              80;
    minFlatness             0.5;
    minVol                  -1e30;
    minTetQuality           1e-15;
    minArea                 -1;
    minTwist                0.02;
    minDeterminant          0.001;
    minFaceWeight           0.05;
    minVolRatio             0.01;
    minTriangleTwist        -1;
    nSmoothScale            4;
    errorReduction          0.75;
    relaxed
    {{
        maxNonOrtho 75;
    }}
}}

mergeTolerance 1e-6;
"""
