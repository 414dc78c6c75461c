"""Benchmark: what the dashboard's 3D view downloads for a bed of 20,000 particles.

``GET /api/v1/beds/{id}/particles`` answers the packing as base64 float32 arrays (centres,
quaternions, diameters) for an instanced view; the alternative is the bed's GLB, a mesh of
every particle. This prints, for the same packing:

- the particles answer: JSON bytes, gzip-compressed bytes (what a compressing proxy sends),
  and the time to build it from the stored files (read the packing from a local object
  store, pack the arrays, serialize the JSON), median of ``--repeat`` runs;
- the GLB that the export stage writes for the bed: bytes, gzip bytes, and the time to read
  its bytes from the same store (the least the server does to send it);
- the ratios GLB / particles answer.

The packing is an ordered (hexagonal) packing of ``--count`` spheres, made in the run: no
physics is timed. Its identical quaternions and regular centres compress far better than a
poured bed's would: the uncompressed sizes are the ones to compare. Everything runs in this
process, no HTTP, so the figures are the server's own work; the network and the browser's
parsing add to both sides.

    .venv/bin/python bench/bench_web_particles.py [--count 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bedflow import dsl, geometry
from bedflow.api._packings import PackingFiles, load_packed, particle_arrays
from bedflow.api.schemas.web import ParticlesPublic
from bedflow.storage import LocalStorage


def _spec(count: int) -> dsl.BedSpec:
    # A column about as wide as tall, holding ``count`` 2 mm spheres in hexagonal layers.
    d = 0.002
    side = (count / 0.6 * d**3) ** (1 / 3) * 1.3
    return dsl.parse(
        f"bed {{ diameter = {side * 1e3:.1f} mm; height = {side * 1.5e3:.1f} mm }}\n"
        f"particles {{ diameter = 2 mm; count = {count} }}\n"
        "packing { method = hexagonal_3d }\nexport { formats = [glb] }\n"
    )


def _median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    spec = _spec(args.count)
    packed = geometry.pack(spec, engine="hexagonal_3d")
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp)
        packed.save(folder / "pack")
        started = time.perf_counter()
        report = geometry.export_geometry(
            geometry.build_geometry(packed, spec), spec, folder / "export", formats=["glb"]
        )
        export_s = time.perf_counter() - started
        [glb] = [f for f in report.files if f.suffix == ".glb"]
        store = LocalStorage(folder / "objects")
        for name in ("packing.json", "packing.npz"):
            with (folder / "pack" / name).open("rb") as f:
                store.put_stream(f"beds/b/pack-k-{name}", f)
        with glb.open("rb") as f:
            store.put_stream("beds/b/export-k-bed.glb", f)
        files = PackingFiles("beds/b/pack-k-packing.json", "beds/b/pack-k-packing.npz", None)

        def answer() -> bytes:
            body = ParticlesPublic.model_validate(particle_arrays(load_packed(store, files)))
            return body.model_dump_json().encode()

        def glb_bytes() -> bytes:
            return b"".join(store.open_stream("beds/b/export-k-bed.glb"))

        payload, mesh = answer(), glb_bytes()
        answer_s = _median_s(answer, args.repeat)
        glb_s = _median_s(glb_bytes, args.repeat)

    count = packed.count
    rows = [
        ("particles answer (JSON, base64 float32)", len(payload), len(gzip.compress(payload))),
        ("bed GLB (every particle meshed)", len(mesh), len(gzip.compress(mesh))),
    ]
    print(f"{count} spheres (asked {args.count}), hexagonal packing, median of {args.repeat}")
    print(f"{'':42} {'bytes':>12} {'gzip bytes':>12} {'bytes/particle':>15}")
    for name, size, packed_size in rows:
        print(f"{name:42} {size:>12,} {packed_size:>12,} {size / count:>15.1f}")
    ratio = len(mesh) / len(payload)
    gz_ratio = rows[1][2] / rows[0][2]
    print(f"GLB / particles answer: {ratio:.1f}x bytes, {gz_ratio:.1f}x gzip bytes")
    print(
        f"server time: particles answer {answer_s * 1e3:.1f} ms (read, pack, serialize); "
        f"GLB read {glb_s * 1e3:.1f} ms; the GLB's export took {export_s:.1f} s once"
    )
    floor = count * (3 + 4 + 1) * 4 * 4 / 3
    print(f"floor of the answer (base64 of 32 bytes per particle): {floor:,.0f} bytes")


if __name__ == "__main__":
    main()
