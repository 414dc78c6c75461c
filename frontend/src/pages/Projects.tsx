import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ActionIcon, Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap, type Schemas } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { useAuth } from "../auth";

type Role = "viewer" | "editor";

function Project({ p }: { p: Schemas["ProjectPublic"] }) {
  const qc = useQueryClient();
  const { user } = useAuth();
  const [name, setName] = useState(p.name);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const path = { params: { path: { project_id: p.id } } };
  const members = useQuery({ queryKey: ["project", p.id, "members"], queryFn: () => unwrap(api.GET("/api/v1/projects/{project_id}/members", path)) });
  const invites = useQuery({ queryKey: ["project", p.id, "invitations"], queryFn: () => unwrap(api.GET("/api/v1/projects/{project_id}/invitations", path)), retry: false });
  const beds = useQuery({ queryKey: ["beds", { project_id: p.id }], queryFn: () => unwrap(api.GET("/api/v1/beds", { params: { query: { project_id: p.id, limit: 50 } } })) });
  const owner = user?.id === p.owner_id;
  const run = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
      await qc.invalidateQueries({ queryKey: ["project", p.id] });
      await qc.invalidateQueries({ queryKey: ["projects"] });
    } catch (e) {
      notifications.show({ title: `Could not ${what}`, message: errorText(e), color: "red" });
    }
  };
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Group align="end">
          <TextInput label="Project name" value={name} onChange={(e) => setName(e.currentTarget.value)} disabled={!owner} />
          {owner && <Button variant="light" onClick={() => run("rename", () => unwrap(api.PATCH("/api/v1/projects/{project_id}", { ...path, body: { name } })))}>Rename</Button>}
        </Group>
        <Text size="sm" c="dimmed">{beds.data?.count ?? 0} beds: {(beds.data?.data ?? []).map((b) => b.name).join(", ") || "none"}</Text>
        <Text fw={600} size="sm">Members</Text>
        <Table aria-label={`Members of ${p.name}`}>
          <Table.Tbody>
            {(members.data?.data ?? []).map((m) => (
              <Table.Tr key={m.user_id}>
                <Table.Td>{m.email}</Table.Td>
                <Table.Td>
                  {owner && m.user_id !== p.owner_id ? (
                    <Select aria-label={`Role of ${m.email}`} data={["viewer", "editor"]} value={m.role} w={120}
                      onChange={(v) => v && run("change the role", () => unwrap(api.PATCH("/api/v1/projects/{project_id}/members/{user_id}", { params: { path: { project_id: p.id, user_id: m.user_id } }, body: { role: v as Role } })))} />
                  ) : m.role}
                </Table.Td>
                <Table.Td>
                  {owner && m.user_id !== p.owner_id && (
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove ${m.email}`} onClick={() => run("remove", () => unwrap(api.DELETE("/api/v1/projects/{project_id}/members/{user_id}", { params: { path: { project_id: p.id, user_id: m.user_id } } })))}>✕</ActionIcon>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {owner && (
          <>
            <Group align="end">
              <TextInput label="Invite by email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
              <Select label="Role" data={["viewer", "editor"]} value={role} onChange={(v) => setRole((v as Role) ?? "viewer")} w={120} />
              <Button onClick={() => run("invite", async () => { await unwrap(api.POST("/api/v1/projects/{project_id}/invitations", { ...path, body: { email, role } })); setEmail(""); })}>Invite</Button>
            </Group>
            {(invites.data?.data ?? []).map((i) => (
              <Text size="sm" key={i.id}>Invited: {i.email} as {i.role}</Text>
            ))}
          </>
        )}
      </Stack>
    </Paper>
  );
}

export default function Projects() {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const projects = useQuery({ queryKey: ["projects"], queryFn: () => unwrap(api.GET("/api/v1/projects")) });
  const invitations = useQuery({ queryKey: ["my-invitations"], queryFn: () => unwrap(api.GET("/api/v1/users/me/invitations")) });
  const create = async () => {
    try {
      await unwrap(api.POST("/api/v1/projects", { body: { name } }));
      setName("");
      await qc.invalidateQueries({ queryKey: ["projects"] });
    } catch (e) {
      notifications.show({ title: "Could not create", message: errorText(e), color: "red" });
    }
  };
  const answer = async (id: string, accept: boolean) => {
    try {
      const params = { params: { path: { invitation_id: id } } };
      await unwrap(accept ? api.POST("/api/v1/users/me/invitations/{invitation_id}/accept", params) : api.POST("/api/v1/users/me/invitations/{invitation_id}/decline", params));
      await qc.invalidateQueries();
    } catch (e) {
      notifications.show({ title: "Could not answer", message: errorText(e), color: "red" });
    }
  };
  return (
    <Stack>
      <Title order={2}>Projects</Title>
      <Group align="end">
        <TextInput label="New project" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Button onClick={create} disabled={!name.trim()}>Create</Button>
      </Group>
      {(invitations.data?.data ?? []).map((i) => (
        <Paper withBorder p="sm" key={i.id}>
          <Group justify="space-between">
            <Text size="sm">You are invited to {i.project_name} as {i.role}.</Text>
            <Group><Button size="xs" onClick={() => answer(i.id, true)}>Accept</Button><Button size="xs" variant="default" onClick={() => answer(i.id, false)}>Decline</Button></Group>
          </Group>
        </Paper>
      ))}
      {projects.isLoading && <Loading />}
      {projects.error && <ErrorMessage error={projects.error} />}
      {projects.data && (projects.data.data.length ? projects.data.data.map((p) => <Project key={p.id} p={p} />) : <Empty>No projects yet.</Empty>)}
    </Stack>
  );
}
