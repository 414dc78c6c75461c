import { lazy, Suspense } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Code, Group, Paper, SimpleGrid, Stack, Tabs, Text, Title } from "@mantine/core";
import { api, errorText, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { BedActions } from "../components/BedActions";
import { BedFiles } from "../components/BedFiles";
import { JobsTable } from "../components/JobsTable";
import { ResultsTable } from "../components/ResultsTable";
import { mm, when } from "../lib/format";
import { notifications } from "@mantine/notifications";

const BedViewer = lazy(() => import("../viewer/BedViewer"));
const PressureChart = lazy(() => import("../charts/PressureChart"));
const ProfileCharts = lazy(() => import("../charts/ProfileCharts"));

function Field({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text>{value}</Text>
    </div>
  );
}

export default function BedDetail() {
  const { id = "" } = useParams();
  const path = { params: { path: { bed_id: id } } };
  const navigate = useNavigate();
  const qc = useQueryClient();
  const bed = useQuery({ queryKey: ["bed", id], queryFn: () => unwrap(api.GET("/api/v1/beds/{bed_id}", path)) });
  const jobs = useQuery({
    queryKey: ["jobs", { bed_id: id }],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query: { bed_id: id, limit: 20 } } })),
    refetchInterval: (q) => (q.state.data?.data.some((j) => j.status === "queued" || j.status === "running") ? 3000 : false),
  });
  const results = useQuery({
    queryKey: ["results", { bed_id: id }],
    queryFn: () => unwrap(api.GET("/api/v1/results", { params: { query: { bed_id: id } } })),
  });
  const sims = useQuery({
    queryKey: ["bed", id, "simulations"],
    queryFn: () => unwrap(api.GET("/api/v1/beds/{bed_id}/simulations", path)),
  });
  const text = useQuery({
    queryKey: ["bed", id, "text"],
    queryFn: async () => {
      const r = await fetch(`/api/v1/beds/${id}/text`, { credentials: "same-origin" });
      return r.ok ? r.text() : "";
    },
  });
  if (bed.isLoading) return <Loading />;
  if (bed.error) return <ErrorMessage error={bed.error} />;
  const b = bed.data!;
  const simMap = new Map((sims.data?.data ?? []).map((s) => [s.id, s]));
  const packed = (jobs.data?.data ?? []).some((j) => j.status === "succeeded");
  const remove = async () => {
    if (!window.confirm(`Delete bed ${b.name} and its files and results?`)) return;
    try {
      await unwrap(api.DELETE("/api/v1/beds/{bed_id}", path));
      await qc.invalidateQueries({ queryKey: ["beds"] });
      navigate("/beds");
    } catch (e) {
      notifications.show({ title: "Could not delete", message: errorText(e), color: "red" });
    }
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{b.name}</Title>
        <Button variant="subtle" color="red" onClick={remove}>Delete bed</Button>
      </Group>
      {b.description && <Text c="dimmed">{b.description}</Text>}
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Field label="Column diameter" value={mm(b.column_diameter)} />
          <Field label="Column height" value={mm(b.column_height)} />
          <Field label="Particles" value={`${b.particle_count ?? "auto"} × ${b.particle_kind} ${mm(b.particle_diameter)}`} />
          <Field label="Packing / solver" value={`${b.packing_method} / ${b.solver}`} />
          <Field label="D/d" value={(b.column_diameter / b.particle_diameter).toFixed(1)} />
          <Field label="Created" value={when(b.created_at)} />
          <Field label="Spec hash" value={<Code>{b.spec_hash.slice(0, 12)}</Code>} />
        </SimpleGrid>
      </Paper>
      <BedActions bedId={id} bedSolver={b.solver} />
      <Tabs defaultValue="runs" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="runs">Runs & results</Tabs.Tab>
          <Tabs.Tab value="3d">3D view</Tabs.Tab>
          <Tabs.Tab value="profiles">Porosity profiles</Tabs.Tab>
          <Tabs.Tab value="files">Files</Tabs.Tab>
          <Tabs.Tab value="source">.bed source</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="runs" pt="md">
          <Stack>
            <Title order={3} size="h4">Jobs</Title>
            {jobs.data?.data.length ? <JobsTable jobs={jobs.data.data} /> : <Empty>No jobs yet: generate or simulate the bed.</Empty>}
            <Title order={3} size="h4">Results</Title>
            {results.data?.data.length ? (
              <>
                <ResultsTable results={results.data.data} sims={simMap} />
                <Suspense fallback={<Loading label="Loading chart" />}>
                  <PressureChart series={[{ bedId: id, name: b.name, results: results.data.data }]} />
                </Suspense>
              </>
            ) : (
              <Empty>No results yet.</Empty>
            )}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="3d" pt="md">
          <Suspense fallback={<Loading label="Loading 3D viewer" />}>
            {packed ? <BedViewer bedId={id} /> : <Empty>Generate the bed to see it in 3D.</Empty>}
          </Suspense>
        </Tabs.Panel>
        <Tabs.Panel value="profiles" pt="md">
          <Suspense fallback={<Loading label="Loading charts" />}>
            <ProfileCharts bedId={id} />
          </Suspense>
        </Tabs.Panel>
        <Tabs.Panel value="files" pt="md">
          <BedFiles bedId={id} />
        </Tabs.Panel>
        <Tabs.Panel value="source" pt="md">
          <Code block>{text.data ?? ""}</Code>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
