import * as THREE from "three";

/** One particle's geometry at its reference size (dimensions in m), axis along z; coarser
 * when there are many (a 20,000-sphere bed at 16 x 12 segments is 7 million triangles). */
export function particleGeometry(shape: string, dims: Record<string, number | null>, count = 1): THREE.BufferGeometry {
  const d = dims.diameter ?? 0.005;
  const [ws, hs] = count > 5000 ? [10, 7] : [16, 12];
  if (shape === "cylinder") {
    const g = new THREE.CylinderGeometry(d / 2, d / 2, dims.length ?? d, ws + 4);
    g.rotateX(Math.PI / 2);
    return g;
  }
  if (shape === "cube") {
    const a = dims.edge ?? dims.size ?? d;
    return new THREE.BoxGeometry(a, a, a);
  }
  if (shape === "ellipsoid") {
    const g = new THREE.SphereGeometry(0.5, ws, hs);
    g.scale(dims.a ? 2 * dims.a : d, dims.b ? 2 * dims.b : d, dims.c ? 2 * dims.c : d);
    return g;
  }
  return new THREE.SphereGeometry(d / 2, ws, hs);
}

/** Colours (n×3, linear RGB) by height over the column or by distance from its axis. */
export function instanceColors(pos: Float32Array, n: number, by: "height" | "radial", height: number): Float32Array {
  const out = new Float32Array(n * 3);
  let rmax = 1e-9;
  if (by === "radial") for (let i = 0; i < n; i++) rmax = Math.max(rmax, Math.hypot(pos[3 * i], pos[3 * i + 1]));
  const c = new THREE.Color();
  for (let i = 0; i < n; i++) {
    const t = by === "height" ? pos[3 * i + 2] / (height || 1) : Math.hypot(pos[3 * i], pos[3 * i + 1]) / rmax;
    c.setHSL(0.66 * (1 - Math.min(1, Math.max(0, t))), 0.75, 0.5);
    out[3 * i] = c.r;
    out[3 * i + 1] = c.g;
    out[3 * i + 2] = c.b;
  }
  return out;
}
