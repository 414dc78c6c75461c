import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Runs per day over the last two weeks, counted from the simulations' creation dates. */
export default function RunsChart({ dates, days = 14 }: { dates: string[]; days?: number }) {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const bins = Array.from({ length: days }, (_, i) => {
    const d = new Date(today.getTime() - (days - 1 - i) * 86_400_000);
    return { day: d.toISOString().slice(5, 10), t: d.getTime(), runs: 0 };
  });
  for (const iso of dates) {
    const t = Date.parse(iso);
    const i = Math.floor((t - bins[0].t) / 86_400_000);
    if (i >= 0 && i < days) bins[i].runs++;
  }
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
