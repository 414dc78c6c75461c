import { lazy, Suspense, useState, type DragEvent } from "react";
import { useNavigate } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { Accordion, Alert, Button, FileButton, Group, List, Paper, Select, Stack, Text, Title } from "@mantine/core";
import { BedForm } from "../components/BedForm";
import { api, unwrap } from "../api/client";
import type { CheckAnswer } from "../api/web";
import { ErrorMessage, Loading } from "../components/States";

const BedEditor = lazy(() => import("../editor/BedEditor"));

// Templates: the repository's examples, bundled as text at build time.
const examples = import.meta.glob("../../../examples/*.bed", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const TEMPLATES = Object.fromEntries(
  Object.entries(examples).map(([path, text]) => [path.split("/").pop()!.replace(/\.bed$/, ""), text]),
);
const FIRST = TEMPLATES["quick-test"] ?? Object.values(TEMPLATES)[0] ?? 'name = "my-bed";\n\nbed {\n    diameter = 25 mm;\n    height = 50 mm;\n}\n\nparticles {\n    diameter = 5 mm;\n    count = 100;\n}\n';

export default function BedNew() {
  const [text, setText] = useState(FIRST);
  const [filename, setFilename] = useState("bed.bed");
  const [check, setCheck] = useState<CheckAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const navigate = useNavigate();
  const qc = useQueryClient();

  const load = async (file: File | null) => {
    if (!file) return;
    setFilename(file.name);
    setText(await file.text());
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    await load(e.dataTransfer.files[0] ?? null);
  };
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const bed = await unwrap(api.POST("/api/v1/beds", { body: { text } }));
      await qc.invalidateQueries({ queryKey: ["beds"] });
      navigate(`/beds/${bed.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const problems = check?.diagnostics ?? [];
  return (
    <Stack onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)} onDrop={onDrop}>
      <Group justify="space-between">
        <Title order={2}>New bed</Title>
        <Group align="end">
        <FileButton onChange={load} accept=".bed,text/plain">
          {(props) => <Button variant="default" {...props}>Open a .bed file</Button>}
        </FileButton>
        <Select
          label="Template"
          aria-label="Template"
          data={Object.keys(TEMPLATES)}
          placeholder="start from an example"
          onChange={(v) => v && (setText(TEMPLATES[v]), setFilename(`${v}.bed`))}
          w={220}
        />
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        Write the bed in the .bed language (Ctrl-Space completes sections, keys and units), or drop a .bed file on this page.
        The server checks it as you type.
      </Text>
      <Accordion variant="contained">
        <Accordion.Item value="form">
          <Accordion.Control>Fill in a form instead (from the server's bed schema)</Accordion.Control>
          <Accordion.Panel><BedForm onText={(t) => (setText(t), setFilename("bed.bed"))} /></Accordion.Panel>
        </Accordion.Item>
      </Accordion>
      <Paper withBorder p={0} style={dragging ? { outline: "2px dashed var(--mantine-color-teal-6)" } : undefined}>
        <Suspense fallback={<Loading label="Loading editor" />}>
          <BedEditor value={text} onChange={setText} filename={filename} onChecked={(a) => setCheck(a)} />
        </Suspense>
      </Paper>
      <div aria-live="polite" data-testid="diagnostics">
        {check && check.ok && problems.length === 0 && <Text size="sm" c="teal">No problems found.</Text>}
        {problems.length > 0 && (
          <Alert color={check?.ok ? "yellow" : "red"} title={`${problems.length} problem${problems.length > 1 ? "s" : ""}`}>
            <List size="sm">
              {problems.map((d, i) => (
                <List.Item key={i}>
                  <Text span ff="monospace" size="sm">{filename}:{d.line}:{d.column}</Text> {d.severity}: {d.message}
                  {d.hint && <Text span c="dimmed" size="sm"> — {d.hint}</Text>}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
      </div>
      {error != null && <ErrorMessage error={error} />}
      <Group>
        <Button onClick={create} loading={busy} disabled={check != null && !check.ok}>Create bed</Button>
      </Group>
    </Stack>
  );
}
