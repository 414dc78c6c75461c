import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Group, Pagination, Select, Stack, Title } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { JobsTable } from "../components/JobsTable";
import { Empty, ErrorMessage, Loading } from "../components/States";

const PAGE = 25;
type Status = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export default function Jobs() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<Status | null>(null);
  const query = { offset: (page - 1) * PAGE, limit: PAGE, status: status ?? undefined };
  const jobs = useQuery({
    queryKey: ["jobs", query],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query } })),
    placeholderData: keepPreviousData,
    refetchInterval: 5000,
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Jobs</Title>
        <Select aria-label="Status" placeholder="any status" clearable data={["queued", "running", "succeeded", "failed", "cancelled"]} value={status} onChange={(v) => { setStatus(v as Status | null); setPage(1); }} />
      </Group>
      {jobs.isLoading && <Loading />}
      {jobs.error && <ErrorMessage error={jobs.error} />}
      {jobs.data && (jobs.data.data.length ? <JobsTable jobs={jobs.data.data} /> : <Empty>No jobs.</Empty>)}
      {jobs.data && jobs.data.count > PAGE && <Pagination total={Math.ceil(jobs.data.count / PAGE)} value={page} onChange={setPage} />}
    </Stack>
  );
}
