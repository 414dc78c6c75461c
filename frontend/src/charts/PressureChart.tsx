// Pressure drop per length against superficial velocity or particle Reynolds number, with
// the Ergun, Carman-Kozeny and Eisfeld-Schnitzlein curves the server computes for each bed.
import { useState } from "react";
import { useQueries } from "@tanstack/react-query";
import { Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { CartesianGrid, ErrorBar, Legend, Line, ResponsiveContainer, Scatter, ComposedChart, Tooltip, XAxis, YAxis } from "recharts";
import type { Schemas } from "../api/client";
import { getCorrelations } from "../api/web";
import { num } from "../lib/format";
import { logErrorBar } from "../lib/uncertainty";

export interface Series {
  bedId: string;
  name: string;
  results: Schemas["ResultPublic"][];
}

const COLOURS = ["#0ca678", "#1c7ed6", "#f76707", "#ae3ec9", "#e03131"];
const CURVES = [
  ["ergun", "Ergun", "6 0"],
  ["carman_kozeny", "Carman-Kozeny", "6 3"],
  ["eisfeld_schnitzlein", "Eisfeld-Schnitzlein", "2 3"],
] as const;

export default function PressureChart({ series }: { series: Series[] }) {
  const [x, setX] = useState<"superficial_velocity" | "particle_reynolds">("superficial_velocity");
  const ranges = series.map((s) => {
    const us = s.results.map((r) => r.superficial_velocity).filter((u): u is number => u != null && u > 0);
    const lo = us.length ? Math.min(...us) : 0.001;
    const hi = us.length ? Math.max(...us) : 0.1;
    return [lo / 5, hi * 5] as const;
  });
  const curves = useQueries({
    queries: series.map((s, i) => ({
      queryKey: ["correlations", s.bedId, ranges[i][0], ranges[i][1]],
      queryFn: () => getCorrelations(s.bedId, ranges[i][0], ranges[i][1], 40),
      staleTime: Infinity,
    })),
  });
  const reOf = (bed: number, u: number) => {
    const pts = curves[bed].data?.points;
    if (!pts || pts.length < 2) return null;
    return (pts[1].particle_reynolds / pts[1].superficial_velocity) * u; // Re_p is proportional to u for one bed
  };
  return (
    <Stack data-testid="pressure-chart">
      <Group justify="space-between">
        <Text fw={600}>Pressure drop per length</Text>
        <SegmentedControl
          aria-label="Horizontal axis"
          value={x}
          onChange={(v) => setX(v as typeof x)}
          data={[{ value: "superficial_velocity", label: "u (m/s)" }, { value: "particle_reynolds", label: "Re_p" }]}
        />
      </Group>
      <div style={{ width: "100%", height: 380 }}>
        <ResponsiveContainer>
          <ComposedChart margin={{ top: 8, right: 16, bottom: 24, left: 16 }}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
            <XAxis dataKey="x" type="number" scale="log" domain={["auto", "auto"]} allowDataOverflow tickFormatter={(v) => num(v, 2)} label={{ value: x === "superficial_velocity" ? "superficial velocity (m/s)" : "particle Reynolds number", position: "insideBottom", offset: -12 }} />
            <YAxis dataKey="y" type="number" scale="log" domain={["auto", "auto"]} tickFormatter={(v) => num(v, 2)} label={{ value: "dp/L (Pa/m)", angle: -90, position: "insideLeft" }} />
            <Tooltip formatter={(v) => num(Number(v))} labelFormatter={(v) => num(Number(v))} />
            <Legend verticalAlign="top" />
            {series.flatMap((s, i) =>
              CURVES.map(([key, label, dash]) => (
                <Line
                  key={`${s.bedId}-${key}`}
                  name={series.length > 1 ? `${label} (${s.name})` : label}
                  data={(curves[i].data?.points ?? []).map((p) => ({ x: p[x], y: p[key] }))}
                  dataKey="y"
                  stroke={COLOURS[i % COLOURS.length]}
                  strokeDasharray={dash}
                  dot={false}
                  isAnimationActive={false}
                />
              )),
            )}
            {series.map((s, i) => (
              <Scatter
                key={`${s.bedId}-pts`}
                name={series.length > 1 ? `simulated (${s.name})` : "simulated"}
                data={s.results
                  .filter((r) => r.pressure_drop_per_length != null && r.superficial_velocity != null)
                  .map((r) => ({
                    x: x === "superficial_velocity" ? r.superficial_velocity : (r.particle_reynolds ?? reOf(i, r.superficial_velocity!)),
                    y: r.pressure_drop_per_length,
                    err: logErrorBar(r.pressure_drop_per_length!, r.uncertainty),
                  }))}
                fill={COLOURS[i % COLOURS.length]}
                isAnimationActive={false}
              >
                <ErrorBar dataKey="err" width={4} />
              </Scatter>
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      {curves.some((c) => c.data) && (
        <Text size="xs" c="dimmed">
          Curves at porosity {curves.map((c) => (c.data ? `${num(c.data.porosity, 3)} (${c.data.porosity_from})` : "—")).join(", ")}, computed by the server.
        </Text>
      )}
      <Text size="xs" c="dimmed">Error bars: dp/L ± U from a grid convergence study (GCI, 3 grids); a point without one has an unknown numerical uncertainty (single grid).</Text>
      {curves.some((c) => c.error) && <Text size="xs" c="red">The correlation curves could not be loaded.</Text>}
    </Stack>
  );
}
