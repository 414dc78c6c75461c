import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Anchor, Button, Group, NumberInput, Pagination, Select, Stack, Table, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { api, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { useBedChoices } from "../api/bedSchema";
import { mm, when } from "../lib/format";

const PAGE = 25;
type SortKey = "created_at" | "name" | "column_diameter" | "column_height" | "particle_diameter" | "particle_count";
const COLUMNS: [SortKey, string][] = [
  ["name", "Name"],
  ["column_diameter", "Column ⌀"],
  ["column_height", "Height"],
  ["particle_diameter", "Particle ⌀"],
  ["particle_count", "Count"],
  ["created_at", "Created"],
];

export default function Beds() {
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "created_at", desc: true });
  const [q, setQ] = useState("");
  const [kind, setKind] = useState<string | null>(null);
  const [method, setMethod] = useState<string | null>(null);
  const [dMin, setDMin] = useState<number | string>("");
  const [dMax, setDMax] = useState<number | string>("");
  const [search] = useDebouncedValue(q, 300);
  const navigate = useNavigate();
  const choices = useBedChoices();
  const query = {
    offset: (page - 1) * PAGE,
    limit: PAGE,
    sort: (sort.desc ? `-${sort.key}` : sort.key) as `-${SortKey}` | SortKey,
    q: search || undefined,
    kind: kind || undefined,
    method: method || undefined,
    diameter_min: dMin === "" ? undefined : Number(dMin) / 1000,
    diameter_max: dMax === "" ? undefined : Number(dMax) / 1000,
  };
  const beds = useQuery({
    queryKey: ["beds", query],
    queryFn: () => unwrap(api.GET("/api/v1/beds", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const pages = Math.max(1, Math.ceil((beds.data?.count ?? 0) / PAGE));
  const toggle = (key: SortKey) => {
    setSort((s) => ({ key, desc: s.key === key ? !s.desc : false }));
    setPage(1);
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Beds</Title>
        <Button component={Link} to="/beds/new">New bed</Button>
      </Group>
      <Group align="end" wrap="wrap">
        <TextInput label="Search" placeholder="name or description" value={q} onChange={(e) => { setQ(e.currentTarget.value); setPage(1); }} />
        <Select label="Particle kind" clearable data={choices.data?.kinds ?? []} value={kind} onChange={(v) => { setKind(v); setPage(1); }} w={140} />
        <Select label="Packing" clearable data={choices.data?.methods ?? []} value={method} onChange={(v) => { setMethod(v); setPage(1); }} w={160} />
        <NumberInput label="Column ⌀ from (mm)" value={dMin} onChange={(v) => { setDMin(v); setPage(1); }} w={150} min={0} />
        <NumberInput label="to (mm)" value={dMax} onChange={(v) => { setDMax(v); setPage(1); }} w={110} min={0} />
      </Group>
      {beds.isLoading && <Loading />}
      {beds.error && <ErrorMessage error={beds.error} />}
      {beds.data && beds.data.count === 0 && <Empty>No beds yet. Create one from a template, the editor or a dropped .bed file.</Empty>}
      {beds.data && beds.data.count > 0 && (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table striped highlightOnHover aria-label="Beds">
              <Table.Thead>
                <Table.Tr>
                  {COLUMNS.map(([key, label]) => (
                    <Table.Th key={key} aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}>
                      <UnstyledButton onClick={() => toggle(key)} fw={600} fz="sm">
                        {label} {sort.key === key ? (sort.desc ? "▼" : "▲") : ""}
                      </UnstyledButton>
                    </Table.Th>
                  ))}
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Packing</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {beds.data.data.map((b) => (
                  <Table.Tr key={b.id} onDoubleClick={() => navigate(`/beds/${b.id}`)}>
                    <Table.Td><Anchor component={Link} to={`/beds/${b.id}`}>{b.name}</Anchor></Table.Td>
                    <Table.Td>{mm(b.column_diameter)}</Table.Td>
                    <Table.Td>{mm(b.column_height)}</Table.Td>
                    <Table.Td>{mm(b.particle_diameter)}</Table.Td>
                    <Table.Td>{b.particle_count ?? "auto"}</Table.Td>
                    <Table.Td>{when(b.created_at)}</Table.Td>
                    <Table.Td>{b.particle_kind}</Table.Td>
                    <Table.Td>{b.packing_method}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between">
            <Text size="sm" c="dimmed">{beds.data.count} beds</Text>
            <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages" getControlProps={(c) => ({ "aria-label": `${c} page` })} />
          </Group>
        </>
      )}
    </Stack>
  );
}
