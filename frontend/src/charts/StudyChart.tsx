import { CartesianGrid, ComposedChart, ErrorBar, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import type { Schemas } from "../api/client";
import { num } from "../lib/format";
import { errorBar } from "../lib/uncertainty";

/** A study's finished points as they fill in: dp/L (with its grid uncertainty where known) and Ergun against superficial velocity. */
export default function StudyChart({ points }: { points: Schemas["StudyPoint"][] }) {
  const done = points
    .flatMap((p) => (p.result?.superficial_velocity != null && p.result.pressure_drop_per_length != null ? [p.result] : []))
    .map((r) => ({ x: r.superficial_velocity!, y: r.pressure_drop_per_length!, ergun: r.correlations.ergun, err: errorBar(r.uncertainty) }))
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
          <Scatter dataKey="y" name="simulated" fill="#0ca678" isAnimationActive={false}>
            <ErrorBar dataKey="err" width={4} />
          </Scatter>
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
