import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Anchor, Badge, Button, Code, Group, Paper, Progress, ScrollArea, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap } from "../api/client";
import { ErrorMessage, Loading } from "../components/States";
import { STATUS_COLOR } from "../components/JobsTable";
import { filterEvents, stageProgress, type JobEvent } from "../lib/jobLog";
import { useLive, useSseFallback } from "../lib/live";
import { duration, when } from "../lib/format";

const STAGES = ["compile", "pack", "export", "simulate", "postprocess"];
const FINAL = new Set(["succeeded", "failed", "cancelled"]);

export default function Job() {
  const { id = "" } = useParams();
  const qc = useQueryClient();
  const live = useLive();
  const [level, setLevel] = useState("INFO");
  const job = useQuery({
    queryKey: ["job", id],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: id } } })),
    refetchInterval: (q) => (q.state.data && FINAL.has(q.state.data.status) ? false : 4000),
  });
  // The history before this page opened, merged with the live events (dedup by id).
  const history = useQuery({
    queryKey: ["job", id, "logs"],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}/logs", { params: { path: { job_id: id }, query: { limit: 1000 } } })),
  });
  useEffect(() => {
    if (history.data) {
      live.add(history.data.data.map((e) => ({ ...e, type: e.kind === "log" ? "log" : e.kind }) as unknown as JobEvent));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [history.data]);
  const running = !!job.data && !FINAL.has(job.data.status);
  useSseFallback(id, running && live.failed);
  const events = useMemo(() => filterEvents(live.log.events, id), [live.log.events, id]);
  const shown = useMemo(() => filterEvents(live.log.events, id, level), [live.log.events, id, level]);
  const stages = stageProgress(events);
  const last = events[events.length - 1];
  useEffect(() => {
    if (last && FINAL.has(last.status) && job.data && !FINAL.has(job.data.status)) {
      void qc.invalidateQueries({ queryKey: ["job", id] });
    }
  }, [last, job.data, id, qc]);

  if (job.isLoading) return <Loading />;
  if (job.error) return <ErrorMessage error={job.error} />;
  const j = job.data!;
  const status = FINAL.has(j.status) ? j.status : (last?.status || j.status);
  const progress = FINAL.has(j.status) ? j.progress : Math.max(j.progress, last?.progress ?? 0);
  const act = async (what: "cancel" | "rerun") => {
    try {
      const r =
        what === "cancel"
          ? await unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: id } } }))
          : await unwrap(api.POST("/api/v1/jobs/{job_id}/rerun", { params: { path: { job_id: id } }, body: {} }));
      notifications.show({ message: what === "cancel" ? "Cancel requested" : "Job queued again", color: "blue" });
      await qc.invalidateQueries({ queryKey: ["job", r.id] });
    } catch (e) {
      notifications.show({ title: `Could not ${what}`, message: errorText(e), color: "red" });
    }
  };
  const wanted = j.params?.stages ?? STAGES;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Job <Code>{j.id.slice(0, 8)}</Code> · {j.type}</Title>
        <Group>
          {running && <Button color="red" variant="light" onClick={() => act("cancel")}>Cancel</Button>}
          {!running && <Button variant="light" onClick={() => act("rerun")}>Re-run</Button>}
        </Group>
      </Group>
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <div><Text size="xs" c="dimmed">Status</Text><Badge color={STATUS_COLOR[status]} data-testid="job-status">{status}</Badge></div>
          <div><Text size="xs" c="dimmed">Duration</Text><Text>{duration(j.started_at, j.finished_at)}</Text></div>
          <div><Text size="xs" c="dimmed">Created</Text><Text>{when(j.created_at)}</Text></div>
          <div>
            <Text size="xs" c="dimmed">Bed</Text>
            {j.bed_id ? <Anchor component={Link} to={`/beds/${j.bed_id}`}>open the bed</Anchor> : "—"}
          </div>
        </SimpleGrid>
        <Text size="sm" mt="sm">Overall <span data-testid="job-progress">{Math.round(progress)}%</span></Text>
        <Progress value={progress} aria-label="Overall progress" size="lg" />
      </Paper>
      {j.error && (
        <Alert color="red" title="The job failed" role="alert">{j.error}</Alert>
      )}
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Stages</Title>
        <Stack gap="xs">
          {STAGES.filter((s) => wanted.includes(s as never) || stages.has(s)).map((s) => {
            const p = stages.get(s);
            const done = FINAL.has(j.status) && j.status === "succeeded";
            const value = done ? 100 : p ? p.progress : 0;
            return (
              <div key={s}>
                <Text size="sm">{s}</Text>
                <Progress value={value} aria-label={`${s} progress`} color={j.status === "failed" && j.stage === s ? "red" : undefined} />
              </div>
            );
          })}
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Group justify="space-between" mb="xs">
          <Title order={3} size="h4">Log</Title>
          <Group gap="xs">
            <Text size="xs" c="dimmed">{live.connected ? "live" : live.failed ? "live via server-sent events" : "connecting…"}</Text>
            <Select aria-label="Minimum level" data={["DEBUG", "INFO", "WARNING", "ERROR"]} value={level} onChange={(v) => setLevel(v ?? "INFO")} w={120} size="xs" />
          </Group>
        </Group>
        <ScrollArea h={320} type="auto">
          <pre data-testid="job-log" style={{ margin: 0, fontSize: 12, whiteSpace: "pre-wrap" }}>
            {shown.map((e) => `${new Date(e.created_at).toLocaleTimeString()} [${e.level}] [${e.stage.toUpperCase()}] ${e.message.replace(/^\[\w+\] \[\w+\] /, "")}`).join("\n") || "No log lines yet."}
          </pre>
        </ScrollArea>
      </Paper>
      {j.status === "succeeded" && j.bed_id && (
        <Text>
          Artifacts: <Anchor component={Link} to={`/beds/${j.bed_id}`}>the bed's files, 3D view and results</Anchor>
        </Text>
      )}
    </Stack>
  );
}
