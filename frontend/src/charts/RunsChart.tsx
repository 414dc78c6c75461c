import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Schemas } from "../api/client";

/** Runs per day, as the server counts them (`/stats`' runs_per_day, UTC days, today last). */
export default function RunsChart({ series }: { series: Schemas["DayCount"][] }) {
  const bins = series.map((d) => ({ day: d.day.slice(5, 10), runs: d.runs }));
  return (
    <div style={{ width: "100%", height: 200 }} aria-label="Runs per day chart" role="img">
      <ResponsiveContainer>
        <BarChart data={bins}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="day" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="runs" fill="#0ca678" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
