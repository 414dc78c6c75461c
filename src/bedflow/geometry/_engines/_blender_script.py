"""The script the `blender` engine runs inside Blender, and the pour plan it is filled with.

Only numbers are substituted into the script; file paths come as command-line arguments after
`--`, and the particles' release plan goes through a JSON file. See
:mod:`bedflow.geometry._engines.blender` for the scene it builds.
"""

from __future__ import annotations

import math
from string import Template
from typing import Any

import numpy as np

from bedflow.geometry._engines._rigid_scene import (
    FRAME_TAU,
    SPAWN_GAP,
    SPAWN_MARGIN,
    RigidScene,
    spawn_batch,
    wall_facets,
)
from bedflow.geometry._types import FloatArray

__all__ = ["KIND_CODE", "Plan", "blender_script"]

#: The expected bed height (from the expected porosity) is multiplied by this before batches
#: are released above it, so that a looser bed than expected is not spawned into.
HEIGHT_SAFETY = 1.25
#: Frames added to a batch's fall out of its slab before the next batch is released.
RELEASE_SLACK_FRAMES = 2
KIND_CODE = {"sphere": 0, "cylinder": 1, "cube": 2}


# The script Blender runs. Only numbers are substituted into it ($name); file paths come as
# command-line arguments after `--`. It prints progress lines for the engine to parse.
_TEMPLATE = Template(
    r"""
import json
import math
import sys

import bmesh
import bpy

KIND = $kind  # 0 sphere, 1 cylinder, 2 cube
BOX_COLUMN = $box_column
RADIUS = $radius
HALF_W = $half_width
HALF_D = $half_depth
FLOOR = $floor
WALL_TOP = $wall_top
FACETS = $facets
LENGTH = $length
MARGIN = $margin
FRICTION = $friction
RESTITUTION = $restitution
LIN_DAMP = $linear_damping
ANG_DAMP = $angular_damping
SUBSTEPS = $substeps
ITERATIONS = $iterations
FPS = $fps
TIME_SCALE = $time_scale
GRAVITY = ($gx, $gy, $gz)
FRAME_END = $frame_end
WINDOW = $window
SETTLE_FRAME = $settle_frame
SETTLE_LIN_DAMP = $settle_linear_damping
SETTLE_ANG_DAMP = $settle_angular_damping

args = sys.argv[sys.argv.index("--") + 1:]
with open(args[0], encoding="utf-8") as f:
    plan = json.load(f)

scene = bpy.context.scene
for obj in list(bpy.data.objects):
    bpy.data.objects.remove(obj, do_unlink=True)
scene.render.fps = FPS
scene.render.fps_base = 1.0
scene.frame_start = 1
scene.frame_end = FRAME_END
scene.use_gravity = True
scene.gravity = GRAVITY
bpy.ops.rigidbody.world_add()
world = scene.rigidbody_world
world.substeps_per_frame = SUBSTEPS
world.solver_iterations = ITERATIONS
world.time_scale = TIME_SCALE
world.point_cache.frame_start = 1
world.point_cache.frame_end = FRAME_END


def add_body(obj, kind, shape):
    with bpy.context.temp_override(
        object=obj, active_object=obj, selected_objects=[obj], selected_editable_objects=[obj]
    ):
        bpy.ops.rigidbody.object_add(type=kind)
    rb = obj.rigid_body
    rb.collision_shape = shape
    rb.friction = FRICTION
    rb.restitution = RESTITUTION
    rb.use_margin = True
    rb.collision_margin = MARGIN
    return rb


# the column: floor and wall as one passive triangle mesh (Blender applies no margin to it)
bottom = FLOOR
if BOX_COLUMN:
    w, d = HALF_W, HALF_D
    ring = [(w, d), (-w, d), (-w, -d), (w, -d)]
else:
    r = RADIUS
    ring = [
        (r * math.cos(2 * math.pi * k / FACETS), r * math.sin(2 * math.pi * k / FACETS))
        for k in range(FACETS)
    ]
n = len(ring)
verts = [(x, y, bottom) for x, y in ring] + [(x, y, WALL_TOP) for x, y in ring]
verts.append((0.0, 0.0, bottom))
faces = [(k, (k + 1) % n, n + (k + 1) % n, n + k) for k in range(n)]
faces += [(2 * n, (k + 1) % n, k) for k in range(n)]
mesh = bpy.data.meshes.new("column")
mesh.from_pydata(verts, [], faces)
mesh.update()
column = bpy.data.objects.new("column", mesh)
scene.collection.objects.link(column)
add_body(column, "PASSIVE", "MESH").mesh_source = "BASE"

# the particle prototype; copies of a rigid body are already in the rigid-body collection
bm = bmesh.new()
if KIND == 0:
    bmesh.ops.create_uvsphere(bm, u_segments=16, v_segments=8, radius=0.5)
    shape = "SPHERE"
elif KIND == 1:
    bmesh.ops.create_cone(
        bm, cap_ends=True, segments=24, radius1=0.5, radius2=0.5, depth=LENGTH
    )
    shape = "CYLINDER"
else:
    bmesh.ops.create_cube(bm, size=1.0)
    shape = "BOX"
pmesh = bpy.data.meshes.new("particle")
bm.to_mesh(pmesh)
bm.free()
proto = bpy.data.objects.new("particle", pmesh)
scene.collection.objects.link(proto)
rb = add_body(proto, "ACTIVE", shape)
rb.mass = 1.0
rb.linear_damping = LIN_DAMP
rb.angular_damping = ANG_DAMP
rb.use_deactivation = False

particles = []
total = len(plan["release"])
for i in range(total):
    obj = proto.copy()
    scene.collection.objects.link(obj)
    keys = plan["keys"][i]
    release = plan["release"][i]
    obj.location = keys[0][1:]
    obj.rotation_mode = "QUATERNION"
    obj.rotation_quaternion = plan["quaternions"][i]
    obj.rigid_body.kinematic = True
    action = bpy.data.actions.new("pour")
    obj.animation_data_create().action = action
    for axis in range(3):
        curve = action.fcurves.new("location", index=axis)
        curve.keyframe_points.add(len(keys))
        for point, key in zip(curve.keyframe_points, keys):
            point.co = (key[0], key[1 + axis])
            point.interpolation = "LINEAR"
    curve = action.fcurves.new("rigid_body.kinematic")
    curve.keyframe_points.add(3)
    for point, co in zip(curve.keyframe_points, ((1, 1), (release, 1), (release + 1, 0))):
        point.co = co
        point.interpolation = "CONSTANT"
    for path, before, after in (
        ("rigid_body.linear_damping", LIN_DAMP, SETTLE_LIN_DAMP),
        ("rigid_body.angular_damping", ANG_DAMP, SETTLE_ANG_DAMP),
    ):
        if after != before:
            curve = action.fcurves.new(path)
            curve.keyframe_points.add(2)
            keys = ((SETTLE_FRAME, before), (SETTLE_FRAME + 1, after))
            for point, co in zip(curve.keyframe_points, keys):
                point.co = co
                point.interpolation = "CONSTANT"
    particles.append(obj)
    if i % 100 == 0:
        print(f"bedflow-setup {i} {total}", flush=True)
bpy.data.objects.remove(proto, do_unlink=True)


def report(scene, *_):
    print(f"bedflow-frame {scene.frame_current} {FRAME_END}", flush=True)


bpy.app.handlers.frame_change_post.append(report)
with bpy.context.temp_override(scene=scene, point_cache=world.point_cache):
    bpy.ops.ptcache.bake_all(bake=True)
bpy.app.handlers.frame_change_post.remove(report)

out = {"frame_end": FRAME_END, "frames": []}
for frame in (FRAME_END - WINDOW, FRAME_END):
    scene.frame_set(frame)
    graph = bpy.context.evaluated_depsgraph_get()
    centers, quats = [], []
    for obj in particles:
        m = obj.evaluated_get(graph).matrix_world
        centers.append(list(m.translation))
        quats.append(list(m.to_quaternion()))
    out["frames"].append({"frame": frame, "centers": centers, "quaternions": quats})
with open(args[1], "w", encoding="utf-8") as f:
    json.dump(out, f)
print("bedflow-done", flush=True)
"""
)


def _num(value: float | int) -> str:
    """A number for the template: ints and finite floats only, never text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"only numbers go into the Blender script, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"only finite numbers go into the Blender script, got {value!r}")
    return repr(value)


class Plan:
    """Where each particle hangs and when it is released (scaled units, frames from 1)."""

    def __init__(self, scene: RigidScene, count: int) -> None:
        rng = np.random.default_rng(scene.seed)
        s = scene
        interval = math.ceil(s.impact_speed / s.frame) + RELEASE_SLACK_FRAMES
        spacing = s.slab + SPAWN_MARGIN
        rise = HEIGHT_SAFETY * s.particle_volume / ((1.0 - s.expected_porosity) * s.cross_section)
        batches: list[tuple[FloatArray, FloatArray]] = []
        placed = 0
        while placed < count:
            centers, quats = spawn_batch(rng, min(s.batch, count - placed), s, 0.0)
            batches.append((centers, quats))
            placed += centers.shape[0]
        nb = len(batches)
        release = [2 + k * interval for k in range(nb)]
        z_lo = [s.floor + rise * k * s.batch + SPAWN_GAP for k in range(nb)]
        self.keys: list[list[list[float]]] = []
        self.release: list[int] = []
        quats_all: list[FloatArray] = []
        for k, (centers, quats) in enumerate(batches):
            for c in centers:
                # the stack of slabs: batch k sits (k - j) slabs above batch j's release height
                path = [[1.0, float(c[0]), float(c[1]), z_lo[0] + k * spacing + float(c[2])]]
                path += [
                    [float(release[j]), float(c[0]), float(c[1]),
                     z_lo[j] + (k - j) * spacing + float(c[2])]
                    for j in range(k + 1)
                ]  # fmt: skip
                self.keys.append(path)
                self.release.append(release[k])
            quats_all.append(quats)
        self.quaternions: FloatArray = np.concatenate(quats_all)
        self.top = z_lo[0] + nb * spacing + s.slab
        self.pour_frames = release[-1]
        self.settle_frame = release[-1] + interval  # the last batch has landed

    def landed_by(self, frame: int) -> int:
        """How many particles have been released and have landed by ``frame``."""
        fall = self.settle_frame - self.pour_frames
        return sum(1 for r in self.release if r + fall <= frame)

    def payload(self) -> dict[str, Any]:
        return {
            "keys": self.keys,
            "release": self.release,
            "quaternions": self.quaternions.tolist(),
        }


def blender_script(
    scene: RigidScene, *, frame_end: int, settle_frame: int, window: int, wall_top: float
) -> str:
    """The Python script Blender runs for ``scene`` (numbers only are substituted).

    It bakes frames 1 to ``frame_end``, raises the damping by ``packing.damping`` from
    ``settle_frame`` on, and writes the positions at ``frame_end - window`` and ``frame_end``.
    """
    fps = 10
    keep = 1.0 - scene.settle_damping
    values: dict[str, float | int] = {
        "kind": KIND_CODE[scene.kind],
        "box_column": int(scene.column_shape == "box"),
        "radius": scene.radius,
        "half_width": scene.half_width,
        "half_depth": scene.half_depth,
        "floor": scene.floor,
        "wall_top": wall_top,
        "facets": wall_facets(scene.radius) if scene.column_shape == "cylinder" else 4,
        "length": scene.length,
        "margin": scene.margin,
        "friction": scene.friction,
        "restitution": scene.restitution,
        "linear_damping": scene.linear_damping,
        "angular_damping": scene.angular_damping,
        "substeps": scene.substeps,
        "iterations": scene.iterations,
        "fps": fps,
        "time_scale": FRAME_TAU * fps,
        "gx": scene.gravity[0],
        "gy": scene.gravity[1],
        "gz": scene.gravity[2],
        "frame_end": frame_end,
        "window": window,
        "settle_frame": settle_frame,
        "settle_linear_damping": 1.0 - (1.0 - scene.linear_damping) * keep,
        "settle_angular_damping": 1.0 - (1.0 - scene.angular_damping) * keep,
    }
    return _TEMPLATE.substitute({k: _num(v) for k, v in values.items()})
