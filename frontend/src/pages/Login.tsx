import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useAuth } from "../auth";
import { api, errorText, unwrap } from "../api/client";

function Frame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder p="lg" w={380} maw="100%">
        <Title order={1} size="h2" mb="md">{title}</Title>
        {children}
      </Paper>
    </Center>
  );
}

export function LoginPage() {
  const { login, config } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      navigate("/", { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Frame title="Sign in to bedflow">
      <form onSubmit={submit}>
        <Stack>
          {error && <Alert color="red" role="alert">{error}</Alert>}
          <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={busy}>Sign in</Button>
          {config?.signup_open && (
            <Text size="sm">
              No account? <Anchor component={Link} to="/signup" underline="always">Sign up</Anchor>
            </Text>
          )}
          {config && <Text size="xs" c="dimmed">bedflow {config.version}</Text>}
        </Stack>
      </form>
    </Frame>
  );
}

export function SignupPage() {
  const { login, config } = useAuth();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  if (config && !config.signup_open) {
    return (
      <Frame title="Sign up">
        <Text>This server does not take sign-ups; ask an administrator for an account.</Text>
        <Anchor component={Link} to="/login" underline="always">Sign in</Anchor>
      </Frame>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/v1/users/signup", { body: { email, full_name: name, password } }));
      await login(email, password);
      navigate("/", { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Frame title="Create an account">
      <form onSubmit={submit}>
        <Stack>
          {error && <Alert color="red" role="alert">{error}</Alert>}
          <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput label="Full name" autoComplete="name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <PasswordInput label="Password" description="At least 8 characters" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={busy}>Sign up</Button>
          <Text size="sm">
            Have an account? <Anchor component={Link} to="/login" underline="always">Sign in</Anchor>
          </Text>
        </Stack>
      </form>
    </Frame>
  );
}
