import { lazy, Suspense, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { Anchor, Button, Checkbox, Group, Stack, Table, Text, Title } from "@mantine/core";
import { api, unwrap, type Schemas } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { download, num, toCsv, when } from "../lib/format";
import { DpdlCell } from "../components/DpdlCell";
import { RESULT_COLUMNS, resultRow } from "../lib/resultsCsv";

const PressureChart = lazy(() => import("../charts/PressureChart"));

type Result = Schemas["ResultPublic"];

/** A compare row's dotted name in words: `ratio_to_correlations.ergun` → "ratio to correlations · ergun". */
const metricLabel = (m: string) => m.split(".").map((p) => p.replace(/_/g, " ")).join(" · ");

export default function Results() {
  const [picked, setPicked] = useState<string[]>([]);
  const results = useQuery({ queryKey: ["results"], queryFn: () => unwrap(api.GET("/api/v1/results")) });
  const sims = useQuery({ queryKey: ["simulations"], queryFn: () => unwrap(api.GET("/api/v1/simulations", { params: { query: { limit: 200 } } })) });
  const beds = useQuery({ queryKey: ["beds", "all-names"], queryFn: () => unwrap(api.GET("/api/v1/beds", { params: { query: { limit: 200 } } })) });
  const compare = useQuery({
    queryKey: ["results", "compare", picked],
    queryFn: () => unwrap(api.GET("/api/v1/results/compare", { params: { query: { ids: picked } } })),
    enabled: picked.length >= 2,
  });
  const simById = useMemo(() => new Map((sims.data?.data ?? []).map((s) => [s.id, s])), [sims.data]);
  const bedName = useMemo(() => new Map((beds.data?.data ?? []).map((b) => [b.id, b.name])), [beds.data]);
  if (results.isLoading) return <Loading />;
  if (results.error) return <ErrorMessage error={results.error} />;
  const all = results.data?.data ?? [];
  if (!all.length) return (<Stack><Title order={2}>Results</Title><Empty>No results yet: simulate a bed.</Empty></Stack>);
  const bedOf = (r: Result) => simById.get(r.simulation_id)?.bed_id ?? "";
  const chosen = picked.length ? all.filter((r) => picked.includes(r.id)) : all;
  const byBed = new Map<string, Result[]>();
  for (const r of chosen) byBed.set(bedOf(r), [...(byBed.get(bedOf(r)) ?? []), r]);
  const series = [...byBed.entries()].filter(([b]) => b).map(([bedId, rs]) => ({ bedId, name: bedName.get(bedId) ?? bedId.slice(0, 8), results: rs }));
  const exportCsv = () => {
    const rows = chosen.map((r) => resultRow(r, bedName.get(bedOf(r)) ?? bedOf(r)));
    const head = RESULT_COLUMNS;
    download("bedflow-results.csv", toCsv([head, ...rows]));
  };
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Results</Title>
        <Button variant="light" onClick={exportCsv}>Export CSV</Button>
      </Group>
      <Text size="sm" c="dimmed">Tick two or more results to compare them side by side; the chart shows the ticked ones (all when none is).</Text>
      <Table.ScrollContainer minWidth={720}>
        <Table aria-label="All results">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Compare</Table.Th><Table.Th>Bed</Table.Th><Table.Th>Solver</Table.Th><Table.Th>u (m/s)</Table.Th><Table.Th>Porosity</Table.Th><Table.Th>dp/L (Pa/m)</Table.Th><Table.Th>Ergun (Pa/m)</Table.Th><Table.Th>Provenance</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {all.map((r) => {
              const sim = simById.get(r.simulation_id);
              return (
                <Table.Tr key={r.id}>
                  <Table.Td><Checkbox aria-label={`Compare result ${r.id.slice(0, 8)}`} checked={picked.includes(r.id)} onChange={() => toggle(r.id)} /></Table.Td>
                  <Table.Td>{sim ? <Anchor component={Link} to={`/beds/${sim.bed_id}`}>{bedName.get(sim.bed_id) ?? sim.bed_id.slice(0, 8)}</Anchor> : "—"}</Table.Td>
                  <Table.Td>{r.solver}</Table.Td>
                  <Table.Td>{num(r.superficial_velocity)}</Table.Td>
                  <Table.Td>{num(r.porosity, 3)}</Table.Td>
                  <Table.Td><DpdlCell value={r.pressure_drop_per_length} uncertainty={r.uncertainty} /></Table.Td>
                  <Table.Td>{num(r.correlations?.ergun)}</Table.Td>
                  <Table.Td><Text size="xs">{sim ? `${sim.solver} ${Object.entries(sim.settings).map(([k, v]) => `${k}=${String(v)}`).join(" ")}, ${when(sim.finished_at)}, ${sim.duration_s != null ? num(sim.duration_s, 3) + " s" : ""}` : "—"}</Text></Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {compare.data && (
        <>
          <Title order={3} size="h4">Side by side</Title>
          <Table.ScrollContainer minWidth={480}>
            <Table aria-label="Comparison" data-testid="compare-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Metric</Table.Th>
                  {compare.data.data.map((r) => <Table.Th key={r.id}>{bedName.get(bedOf(r)) ?? r.id.slice(0, 8)}</Table.Th>)}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {compare.data.metrics.map((m) => (
                  <Table.Tr key={m.metric}>
                    <Table.Td>{metricLabel(m.metric)}{m.unit ? ` (${m.unit})` : ""}</Table.Td>
                    {m.values.map((v, i) => <Table.Td key={i}>{num(v)}</Table.Td>)}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
      {compare.error && <ErrorMessage error={compare.error} />}
      {series.length > 0 && (
        <Suspense fallback={<Loading label="Loading chart" />}>
          <PressureChart series={series} />
        </Suspense>
      )}
    </Stack>
  );
}
