import { lazy, Suspense, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Anchor, Badge, Button, Checkbox, Group, Paper, Progress, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap } from "../api/client";
import { useEnabledSolvers } from "../api/engines";
import { STATUS_COLOR } from "../components/JobsTable";
import { DpdlCell } from "../components/DpdlCell";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { num, when } from "../lib/format";

const StudyChart = lazy(() => import("../charts/StudyChart"));

function Launch() {
  const beds = useQuery({ queryKey: ["beds", "all-names"], queryFn: () => unwrap(api.GET("/api/v1/beds", { params: { query: { limit: 200 } } })) });
  const [bed, setBed] = useState<string | null>(null);
  const [key, setKey] = useState("cfd.inlet_velocity");
  const [values, setValues] = useState("2 mm/s, 5 mm/s, 1 cm/s");
  const [name, setName] = useState("velocity sweep");
  const [solver, setSolver] = useState<string | null>(null);
  const [converge, setConverge] = useState(false);
  const solvers = useEnabledSolvers();
  const gridless = solver === "correlation";
  const [error, setError] = useState<unknown>(null);
  const navigate = useNavigate();
  const launch = async () => {
    setError(null);
    try {
      const grid = { [key]: values.split(",").map((v) => v.trim()).filter(Boolean) };
      const s = await unwrap(api.POST("/api/v1/studies", {
        body: { bed_id: bed!, name, grid, solver: solver ?? undefined, converge: converge && !gridless },
      }));
      navigate(`/studies/${s.id}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h4" mb="xs">Launch a sweep</Title>
      <Group align="end" wrap="wrap">
        <Select label="Bed" data={(beds.data?.data ?? []).map((b) => ({ value: b.id, label: b.name }))} value={bed} onChange={setBed} searchable w={220} />
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput label="Key (section.key)" value={key} onChange={(e) => setKey(e.currentTarget.value)} />
        <TextInput label="Values, with units, comma-separated" value={values} onChange={(e) => setValues(e.currentTarget.value)} w={280} />
        <Select label="Solver" placeholder="the bed's" clearable data={solvers} value={solver} onChange={setSolver} w={150} />
        <Checkbox
          label="grid convergence study at each point"
          description={gridless ? "not for the correlation solver" : "dp/L ± U (GCI, 3 grids)"}
          disabled={gridless}
          checked={converge && !gridless}
          onChange={(e) => setConverge(e.currentTarget.checked)}
        />
        <Button onClick={launch} disabled={!bed}>Launch</Button>
      </Group>
      {error != null && <ErrorMessage error={error} />}
    </Paper>
  );
}

function StudyView({ id }: { id: string }) {
  const qc = useQueryClient();
  const study = useQuery({
    queryKey: ["study", id],
    queryFn: () => unwrap(api.GET("/api/v1/studies/{study_id}", { params: { path: { study_id: id } } })),
    refetchInterval: (q) => (q.state.data && ["queued", "running"].includes(q.state.data.status) ? 2000 : false),
  });
  if (study.isLoading) return <Loading />;
  if (study.error) return <ErrorMessage error={study.error} />;
  const s = study.data!;
  const done = s.table.filter((p) => ["succeeded", "failed", "cancelled"].includes(p.status)).length;
  const cancel = async () => {
    try {
      await unwrap(api.POST("/api/v1/studies/{study_id}/cancel", { params: { path: { study_id: id } } }));
      await qc.invalidateQueries({ queryKey: ["study", id] });
    } catch (e) {
      notifications.show({ title: "Could not cancel", message: errorText(e), color: "red" });
    }
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Study {s.name || s.id.slice(0, 8)}</Title>
        {["queued", "running"].includes(s.status) && <Button color="red" variant="light" onClick={cancel}>Cancel study</Button>}
      </Group>
      <Group>
        <Badge color={STATUS_COLOR[s.status]}>{s.status}</Badge>
        <Text size="sm">{done} of {s.points} points finished</Text>
        <Anchor component={Link} to={`/beds/${s.bed_id}`}>the bed</Anchor>
      </Group>
      <Progress value={(100 * done) / Math.max(1, s.points)} aria-label="Study progress" />
      <Suspense fallback={<Loading label="Loading chart" />}>
        <StudyChart points={s.table} />
      </Suspense>
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Study points">
          <Table.Thead>
            <Table.Tr><Table.Th>#</Table.Th><Table.Th>Parameters</Table.Th><Table.Th>Status</Table.Th><Table.Th>u (m/s)</Table.Th><Table.Th>dp/L (Pa/m)</Table.Th><Table.Th>Ergun (Pa/m)</Table.Th><Table.Th>÷ Ergun</Table.Th></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {s.table.map((p) => (
              <Table.Tr key={p.index}>
                <Table.Td>{p.index}</Table.Td>
                <Table.Td>{Object.entries(p.parameters).map(([k, v]) => `${k} = ${String(v)}`).join(", ")}</Table.Td>
                <Table.Td><Anchor component={Link} to={`/jobs/${p.job_id}`}><Badge color={STATUS_COLOR[p.status]}>{p.status} {p.status === "running" ? `${p.progress}%` : ""}</Badge></Anchor>{p.error && <Text size="xs" c="red">{p.error}</Text>}</Table.Td>
                <Table.Td>{num(p.result?.superficial_velocity)}</Table.Td>
                <Table.Td>{p.result ? <DpdlCell value={p.result.pressure_drop_per_length} uncertainty={p.result.uncertainty} /> : "—"}</Table.Td>
                <Table.Td>{num(p.result?.correlations.ergun)}</Table.Td>
                <Table.Td>{num(p.result?.ratio_to_correlations.ergun, 3)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

export default function Studies() {
  const { id } = useParams();
  const studies = useQuery({ queryKey: ["studies"], queryFn: () => unwrap(api.GET("/api/v1/studies")), enabled: !id });
  if (id) return <StudyView id={id} />;
  return (
    <Stack>
      <Title order={2}>Studies</Title>
      <Launch />
      {studies.isLoading && <Loading />}
      {studies.error && <ErrorMessage error={studies.error} />}
      {studies.data && (studies.data.data.length ? (
        <Table aria-label="Studies">
          <Table.Thead><Table.Tr><Table.Th>Study</Table.Th><Table.Th>Status</Table.Th><Table.Th>Points</Table.Th><Table.Th>Created</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {studies.data.data.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td><Anchor component={Link} to={`/studies/${s.id}`}>{s.name || s.id.slice(0, 8)}</Anchor></Table.Td>
                <Table.Td><Badge color={STATUS_COLOR[s.status]}>{s.status}</Badge></Table.Td>
                <Table.Td>{s.points}</Table.Td>
                <Table.Td>{when(s.created_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : <Alert color="gray">No studies yet.</Alert>)}
      {!studies.data && !studies.isLoading && <Empty>No studies.</Empty>}
    </Stack>
  );
}
