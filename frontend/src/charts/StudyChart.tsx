import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import type { Schemas } from "../api/client";
import { num } from "../lib/format";

/** A study's finished points as they fill in: dp/L and Ergun against superficial velocity. */
export default function StudyChart({ points }: { points: Schemas["StudyPoint"][] }) {
  const done = points
    .filter((p) => p.superficial_velocity != null && p.pressure_drop_per_length != null)
    .map((p) => ({ x: p.superficial_velocity!, y: p.pressure_drop_per_length!, ergun: p.ergun_per_length }))
    .sort((a, b) => a.x - b.x);
  return (
    <div style={{ width: "100%", height: 300 }} data-testid="study-chart">
      <ResponsiveContainer>
        <ComposedChart data={done} margin={{ top: 8, right: 16, bottom: 24, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="x" type="number" domain={["auto", "auto"]} tickFormatter={(v) => num(v, 2)} label={{ value: "superficial velocity (m/s)", position: "insideBottom", offset: -12 }} />
          <YAxis type="number" domain={["auto", "auto"]} tickFormatter={(v) => num(v, 2)} label={{ value: "dp/L (Pa/m)", angle: -90, position: "insideLeft" }} />
          <Tooltip formatter={(v) => num(Number(v))} />
          <Legend verticalAlign="top" />
          <Line dataKey="ergun" name="Ergun" stroke="#1c7ed6" dot={false} isAnimationActive={false} />
          <Scatter dataKey="y" name="simulated" fill="#0ca678" isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
