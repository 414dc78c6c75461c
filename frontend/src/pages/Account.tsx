import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Code, CopyButton, Group, Paper, PasswordInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap } from "../api/client";
import { Empty, Loading } from "../components/States";
import { when } from "../lib/format";

function Password() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await unwrap(api.PUT("/api/v1/users/me/password", { body: { current_password: current, new_password: next } }));
      setMsg({ ok: true, text: "Password changed." });
      setCurrent("");
      setNext("");
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit}>
      <Title order={3} size="h4" mb="xs">Change password</Title>
      <Stack maw={360}>
        {msg && <Alert color={msg.ok ? "teal" : "red"} role="status">{msg.text}</Alert>}
        <PasswordInput label="Current password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.currentTarget.value)} required />
        <PasswordInput label="New password" autoComplete="new-password" minLength={8} value={next} onChange={(e) => setNext(e.currentTarget.value)} required />
        <Button type="submit">Change password</Button>
      </Stack>
    </Paper>
  );
}

function Tokens() {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => unwrap(api.GET("/api/v1/tokens")) });
  const create = async () => {
    try {
      const t = await unwrap(api.POST("/api/v1/tokens", { body: { name } }));
      setCreated(t.token);
      setName("");
      await qc.invalidateQueries({ queryKey: ["tokens"] });
    } catch (e) {
      notifications.show({ title: "Could not create the token", message: errorText(e), color: "red" });
    }
  };
  const revoke = async (id: string) => {
    try {
      await unwrap(api.DELETE("/api/v1/tokens/{token_id}", { params: { path: { token_id: id } } }));
      await qc.invalidateQueries({ queryKey: ["tokens"] });
    } catch (e) {
      notifications.show({ title: "Could not revoke", message: errorText(e), color: "red" });
    }
  };
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h4" mb="xs">Personal API tokens</Title>
      <Text size="sm" c="dimmed" mb="xs">For the CLI and scripts (`Authorization: Bearer …`). A token is shown once, when it is created.</Text>
      <Group align="end" mb="sm">
        <TextInput label="Token name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Button onClick={create} disabled={!name.trim()}>Create token</Button>
      </Group>
      {created && (
        <Alert color="teal" title="Copy your token now: it will not be shown again" mb="sm">
          <Group>
            <Code data-testid="new-token">{created}</Code>
            <CopyButton value={created}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}</CopyButton>
            <Button size="xs" variant="default" onClick={() => setCreated(null)}>Done</Button>
          </Group>
        </Alert>
      )}
      {tokens.isLoading && <Loading />}
      {tokens.data && (tokens.data.data.length ? (
        <Table aria-label="Tokens">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Prefix</Table.Th><Table.Th>Created</Table.Th><Table.Th>Last used</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {tokens.data.data.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td><Table.Td><Code>{t.prefix}…</Code></Table.Td><Table.Td>{when(t.created_at)}</Table.Td><Table.Td>{when(t.last_used_at)}</Table.Td>
                <Table.Td>{t.revoked_at ? <Text size="sm" c="dimmed">revoked</Text> : <Button size="xs" color="red" variant="subtle" onClick={() => revoke(t.id)}>Revoke</Button>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : <Empty>No tokens.</Empty>)}
    </Paper>
  );
}

export default function Account() {
  return (
    <Stack>
      <Title order={2}>Account</Title>
      <Password />
      <Tokens />
    </Stack>
  );
}
