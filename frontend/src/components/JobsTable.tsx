import { Link } from "react-router-dom";
import { Anchor, Badge, Progress, Table, Text } from "@mantine/core";
import type { Schemas } from "../api/client";
import { useLatestByJob } from "../lib/live";
import { duration, when } from "../lib/format";

export const STATUS_COLOR: Record<string, string> = {
  queued: "gray",
  running: "blue",
  succeeded: "teal",
  failed: "red",
  cancelled: "grape",
};

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

/** Jobs with their progress, updated live from the event stream. */
export function JobsTable({ jobs }: { jobs: Schemas["JobPublic"][] }) {
  const live = useLatestByJob();
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table aria-label="Jobs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Job</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th w={220}>Progress</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {jobs.map((j) => {
            const e = live.get(j.id);
            const status = e && !FINAL.has(j.status) ? e.status || j.status : j.status;
            const progress = e && !FINAL.has(j.status) ? e.progress : j.progress;
            const stage = e && !FINAL.has(j.status) ? e.stage : j.stage;
            return (
              <Table.Tr key={j.id}>
                <Table.Td><Anchor component={Link} to={`/jobs/${j.id}`} ff="monospace">{j.id.slice(0, 8)}</Anchor></Table.Td>
                <Table.Td>{j.type}</Table.Td>
                <Table.Td><Badge color={STATUS_COLOR[status] ?? "gray"}>{status}</Badge></Table.Td>
                <Table.Td>
                  <Progress value={progress} aria-label={`Job ${j.id.slice(0, 8)} progress`} />
                  <Text size="xs" c="dimmed">{stage} {Math.round(progress)}%</Text>
                </Table.Td>
                <Table.Td>{when(j.created_at)}</Table.Td>
                <Table.Td>{duration(j.started_at, j.finished_at)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
