import { useQuery } from "@tanstack/react-query";
import { SimpleGrid, Stack, Text } from "@mantine/core";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { getProfiles } from "../api/web";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { num } from "../lib/format";

function Profile({ title, xs, ys, xLabel }: { title: string; xs: number[]; ys: (number | null)[]; xLabel: string }) {
  const data = xs.map((x, i) => ({ x: x * 1000, y: ys[i] }));
  return (
    <Stack gap={4}>
      <Text fw={600}>{title}</Text>
      <div style={{ width: "100%", height: 280 }}>
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
            <XAxis dataKey="x" type="number" domain={["dataMin", "dataMax"]} tickFormatter={(v) => num(v, 3)} label={{ value: xLabel, position: "insideBottom", offset: -12 }} />
            <YAxis domain={[0, 1]} label={{ value: "porosity", angle: -90, position: "insideLeft" }} />
            <Tooltip formatter={(v) => num(Number(v), 3)} labelFormatter={(v) => `${num(Number(v), 3)} mm`} />
            <Line dataKey="y" name="porosity" stroke="#1c7ed6" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </Stack>
  );
}

export default function ProfileCharts({ bedId }: { bedId: string }) {
  const q = useQuery({ queryKey: ["bed", bedId, "profiles"], queryFn: () => getProfiles(bedId) });
  if (q.isLoading) return <Loading label="Loading profiles" />;
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data?.radial && !q.data?.axial) return <Empty>No porosity profiles yet: generate the bed first.</Empty>;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      {q.data.radial && <Profile title="Radial porosity" xs={q.data.radial.r} ys={q.data.radial.porosity} xLabel="distance from the axis (mm)" />}
      {q.data.axial && <Profile title="Axial porosity" xs={q.data.axial.z} ys={q.data.axial.porosity} xLabel="height (mm)" />}
    </SimpleGrid>
  );
}
