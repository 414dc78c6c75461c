import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Code, Group, Paper, PasswordInput, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap } from "../api/client";
import { ErrorMessage, Loading } from "../components/States";
import { when } from "../lib/format";

export default function Admin() {
  const qc = useQueryClient();
  const engines = useQuery({ queryKey: ["engines"], queryFn: () => unwrap(api.GET("/api/v1/settings/engines")) });
  const creds = useQuery({ queryKey: ["credentials"], queryFn: () => unwrap(api.GET("/api/v1/credentials")) });
  const users = useQuery({ queryKey: ["users"], queryFn: () => unwrap(api.GET("/api/v1/users")) });
  const [cred, setCred] = useState({ name: "", service: "", secret: "" });
  const run = async (what: string, f: () => Promise<unknown>, key: string) => {
    try {
      await f();
      await qc.invalidateQueries({ queryKey: [key] });
      if (key === "engines") await qc.invalidateQueries({ queryKey: ["engine-choices"] });
    } catch (e) {
      notifications.show({ title: `Could not ${what}`, message: errorText(e), color: "red" });
    }
  };
  return (
    <Stack>
      <Title order={2}>Administration</Title>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Engines and solvers</Title>
        {engines.isLoading && <Loading />}
        {engines.error && <ErrorMessage error={engines.error} />}
        <Table aria-label="Engines">
          <Table.Tbody>
            {(engines.data?.data ?? []).map((e) => (
              <Table.Tr key={`${e.kind}-${e.name}`}>
                <Table.Td><Code>{e.name}</Code></Table.Td>
                <Table.Td>{e.kind}</Table.Td>
                <Table.Td><Text size="sm">{e.description}</Text></Table.Td>
                <Table.Td>
                  <Switch aria-label={`Enable ${e.name}`} checked={e.enabled}
                    onChange={(ev) => run("change the engine", () => unwrap(api.PATCH("/api/v1/settings/engines/{name}", { params: { path: { name: e.name } }, body: { enabled: ev.currentTarget.checked } })), "engines")} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Credentials</Title>
        <Table aria-label="Credentials">
          <Table.Tbody>
            {(creds.data?.data ?? []).map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.name}</Table.Td><Table.Td>{c.service}</Table.Td><Table.Td><Code>{c.masked}</Code></Table.Td><Table.Td>{when(c.updated_at)}</Table.Td>
                <Table.Td><Button size="xs" color="red" variant="subtle" onClick={() => run("delete", () => unwrap(api.DELETE("/api/v1/credentials/{credential_id}", { params: { path: { credential_id: c.id } } })), "credentials")}>Delete</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group align="end" mt="sm">
          <TextInput label="Name" value={cred.name} onChange={(e) => setCred({ ...cred, name: e.currentTarget.value })} />
          <TextInput label="Service" value={cred.service} onChange={(e) => setCred({ ...cred, service: e.currentTarget.value })} />
          <PasswordInput label="Secret" value={cred.secret} onChange={(e) => setCred({ ...cred, secret: e.currentTarget.value })} />
          <Button onClick={() => run("add the credential", async () => { await unwrap(api.POST("/api/v1/credentials", { body: cred })); setCred({ name: "", service: "", secret: "" }); }, "credentials")}>Add</Button>
        </Group>
      </Paper>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="xs">Users</Title>
        <Table aria-label="Users">
          <Table.Tbody>
            {(users.data?.data ?? []).map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.email}</Table.Td><Table.Td>{u.full_name}</Table.Td><Table.Td><Badge color={u.role === "admin" ? "grape" : "gray"}>{u.role}</Badge></Table.Td>
                <Table.Td>
                  <Switch aria-label={`${u.email} active`} checked={u.is_active} onChange={(ev) => run("change the user", () => unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: u.id } }, body: { is_active: ev.currentTarget.checked } })), "users")} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
