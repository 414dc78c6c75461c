import { lazy, Suspense } from "react";
import { useQuery } from "@tanstack/react-query";
import { Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { JobsTable } from "../components/JobsTable";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { num, when } from "../lib/format";

const RunsChart = lazy(() => import("../charts/RunsChart"));

function Card({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="xl" fw={700}>{value}</Text>
    </Paper>
  );
}

export default function Overview() {
  const stats = useQuery({ queryKey: ["stats"], queryFn: () => unwrap(api.GET("/api/v1/stats")) });
  const activity = useQuery({ queryKey: ["activity"], queryFn: () => unwrap(api.GET("/api/v1/activity", { params: { query: { limit: 200 } } })) });
  const running = useQuery({
    queryKey: ["jobs", { status: "running" }],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query: { status: "running", limit: 20 } } })),
    refetchInterval: 5000,
  });
  const s = stats.data;
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      {stats.error && <ErrorMessage error={stats.error} />}
      {s && (
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Card label="Runs today" value={String(s.runs_today)} />
          <Card label={`Runs in ${s.window_days} days`} value={String(s.runs)} />
          <Card label="Success rate" value={s.success_rate == null ? "—" : `${Math.round(s.success_rate * 100)}%`} />
          <Card label="Mean duration" value={s.mean_duration_s == null ? "—" : `${num(s.mean_duration_s, 3)} s`} />
        </SimpleGrid>
      )}
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Runs per day</Title>
        <Suspense fallback={<Loading label="Loading chart" />}>
          {s ? <RunsChart series={s.runs_per_day.slice(-14)} /> : <Loading />}
        </Suspense>
      </Paper>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Running now</Title>
        {running.data?.data.length ? <JobsTable jobs={running.data.data} /> : <Empty>Nothing running.</Empty>}
      </Paper>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Recent activity</Title>
        {activity.isLoading && <Loading />}
        {activity.data && (activity.data.data.length ? (
          <Table aria-label="Recent activity">
            <Table.Tbody>
              {activity.data.data.slice(0, 15).map((a) => (
                <Table.Tr key={a.id}><Table.Td>{when(a.created_at)}</Table.Td><Table.Td>{a.action.replace(".", " ")}</Table.Td><Table.Td>{a.subject_type} {a.subject_id.slice(0, 8)}</Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : <Empty>No activity yet.</Empty>)}
      </Paper>
    </Stack>
  );
}
