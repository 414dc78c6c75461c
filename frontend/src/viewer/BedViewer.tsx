// The packed bed in 3D (loaded only on the bed page's 3D tab): particles drawn as one
// InstancedMesh from the compact /particles arrays, orbit and zoom, a clipping plane to cut
// the bed open, colour by height or radial position, the column wall translucent.
import { useEffect, useMemo, useRef, useState } from "react";
import { Canvas, useFrame, useThree } from "@react-three/fiber";
import { OrbitControls } from "@react-three/drei";
import * as THREE from "three";
import { useQuery } from "@tanstack/react-query";
import { Group, SegmentedControl, Slider, Stack, Text } from "@mantine/core";
import { decodeFloat32, getParticles, type ParticlesAnswer } from "../api/web";
import { ErrorMessage, Loading } from "../components/States";
import { instanceColors, particleGeometry } from "./instances";

type ColourBy = "height" | "radial";

declare global {
  interface Window {
    __bedflowViewer?: { particles: number; drawCalls: number; triangles: number; frames: number; firstFrameAt: number | null };
  }
}

// The canvas renders on demand (an idle bed costs nothing): whatever changes the picture
// outside react-three-fiber's props asks for a frame.
function Redraw({ on }: { on: unknown[] }) {
  const invalidate = useThree((s) => s.invalidate);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => invalidate(), on);
  return null;
}

function Particles({ data, colourBy, plane }: { data: ParticlesAnswer; colourBy: ColourBy; plane: THREE.Plane }) {
  const mesh = useRef<THREE.InstancedMesh>(null);
  const invalidate = useThree((s) => s.invalidate);
  const decoded = useMemo(
    () => ({ pos: decodeFloat32(data.positions), rot: decodeFloat32(data.orientations), size: decodeFloat32(data.sizes) }),
    [data],
  );
  const geometry = useMemo(() => particleGeometry(data.shape, data.dimensions, data.count), [data.shape, data.dimensions, data.count]);
  const material = useMemo(
    () => new THREE.MeshStandardMaterial({ roughness: 0.5, metalness: 0.1, clippingPlanes: [plane], clipShadows: true }),
    [plane],
  );
  useEffect(() => {
    const m = mesh.current;
    if (!m) return;
    const reference = data.dimensions.diameter ?? 1;
    const o = new THREE.Object3D();
    for (let i = 0; i < data.count; i++) {
      o.position.set(decoded.pos[3 * i], decoded.pos[3 * i + 1], decoded.pos[3 * i + 2]);
      o.quaternion.set(decoded.rot[4 * i], decoded.rot[4 * i + 1], decoded.rot[4 * i + 2], decoded.rot[4 * i + 3]);
      const s = decoded.size[i] / reference;
      o.scale.set(s, s, s);
      o.updateMatrix();
      m.setMatrixAt(i, o.matrix);
    }
    m.instanceMatrix.needsUpdate = true;
    m.computeBoundingSphere();
    m.userData.placed = true;
    invalidate();
  }, [data, decoded, invalidate]);
  useEffect(() => {
    const m = mesh.current;
    if (!m) return;
    const colours = instanceColors(decoded.pos, data.count, colourBy, data.column.height);
    m.instanceColor = new THREE.InstancedBufferAttribute(colours, 3);
    m.instanceColor.needsUpdate = true;
    invalidate();
  }, [decoded, colourBy, data.count, data.column.height, invalidate]);
  return <instancedMesh ref={mesh} args={[geometry, material, data.count]} frustumCulled={false} />;
}

function Wall({ column }: { column: ParticlesAnswer["column"] }) {
  const geometry = useMemo(() => {
    const d = column.diameter ?? column.width ?? 0.05;
    if (column.shape === "box") {
      return new THREE.BoxGeometry(column.width ?? d, column.depth ?? d, column.height);
    }
    const g = new THREE.CylinderGeometry(d / 2, d / 2, column.height, 64, 1, true);
    g.rotateX(Math.PI / 2); // three's cylinder axis is y; the bed's is z
    return g;
  }, [column]);
  return (
    <mesh geometry={geometry} position={[0, 0, column.height / 2]}>
      <meshStandardMaterial color="#8ecae6" transparent opacity={0.15} side={THREE.DoubleSide} depthWrite={false} />
    </mesh>
  );
}

function Stats({ count }: { count: number }) {
  const gl = useThree((s) => s.gl);
  const scene = useThree((s) => s.scene);
  useFrame(() => {
    const w = (window.__bedflowViewer ??= { particles: count, drawCalls: 0, triangles: 0, frames: 0, firstFrameAt: null });
    w.particles = count;
    w.drawCalls = gl.info.render.calls;
    w.triangles = gl.info.render.triangles;
    w.frames++;
    const placed = scene.children.some((c) => c instanceof THREE.InstancedMesh && c.userData.placed);
    // this frame, drawn right after the callbacks, is the first with the particles placed
    if (w.firstFrameAt == null && placed) {
      w.firstFrameAt = performance.now();
      gl.domElement.dataset.rendered = "true";
    }
  });
  return null;
}

export default function BedViewer({ bedId }: { bedId: string }) {
  const particles = useQuery({ queryKey: ["bed", bedId, "particles"], queryFn: () => getParticles(bedId), staleTime: Infinity });
  const [colourBy, setColourBy] = useState<ColourBy>("height");
  useEffect(() => {
    window.__bedflowViewer = undefined; // the figures are this view's
  }, [bedId]);
  const [cut, setCut] = useState(100);
  const plane = useMemo(() => new THREE.Plane(new THREE.Vector3(-1, 0, 0), 0), []);
  const data = particles.data;
  const half = data ? (data.column.width ?? data.column.diameter ?? 0.05) / 2 : 1;
  plane.constant = -half + (2 * half * cut) / 100 + 1e-6;
  if (particles.isLoading) return <Loading label="Loading particles" />;
  if (particles.error) return <ErrorMessage error={particles.error} />;
  if (!data) return null;
  const h = data.column.height;
  const span = Math.max(h, data.column.diameter ?? data.column.width ?? h);
  return (
    <Stack>
      <Group wrap="wrap" align="end">
        <SegmentedControl
          aria-label="Colour particles by"
          value={colourBy}
          onChange={(v) => setColourBy(v as ColourBy)}
          data={[{ value: "height", label: "Colour by height" }, { value: "radial", label: "Colour by radius" }]}
        />
        <Stack gap={2} w={260}>
          <Text size="sm" id="cut-label">Cut open: keep x below {Math.round(cut)}% of the width</Text>
          <Slider aria-labelledby="cut-label" value={cut} onChange={setCut} min={0} max={100} step={1} label={null} thumbLabel="Clipping plane" />
        </Stack>
        <Text size="sm" c="dimmed">{data.count} {data.shape}s · drag to orbit, scroll to zoom</Text>
      </Group>
      <div style={{ height: "min(70vh, 640px)", borderRadius: 4, overflow: "hidden" }} data-testid="bed-3d">
        <Canvas
          frameloop="demand"
          camera={{ position: [span * 1.2, -span * 1.2, h * 0.9], up: [0, 0, 1], near: span / 1000, far: span * 50, fov: 45 }}
          gl={{ localClippingEnabled: true, preserveDrawingBuffer: true, antialias: true }}
          onCreated={({ gl }) => gl.setClearColor("#1d2733")}
          role="img"
          aria-label={`3D view of ${data.count} particles`}
        >
          <ambientLight intensity={0.6} />
          <directionalLight position={[span, -span, 2 * span]} intensity={1.6} />
          <Particles data={data} colourBy={colourBy} plane={plane} />
          <Wall column={data.column} />
          <OrbitControls target={[0, 0, h / 2]} makeDefault />
          <Stats count={data.count} />
          <Redraw on={[cut, colourBy]} />
        </Canvas>
      </div>
    </Stack>
  );
}
