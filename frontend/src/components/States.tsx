import { Alert, Center, Loader, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { ApiError, errorText } from "../api/client";

export function Loading({ label = "Loading" }: { label?: string }) {
  return (
    <Center p="xl" aria-busy="true">
      <Loader size="sm" aria-label={label} />
    </Center>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  const located =
    error instanceof ApiError
      ? error.details.filter((d) => typeof d.line === "number")
      : [];
  return (
    <Alert color="red" title="Something went wrong" role="alert">
      <Text size="sm">{errorText(error)}</Text>
      {located.map((d, i) => (
        <Text size="sm" key={i} ff="monospace">
          line {String(d.line)}, column {String(d.column)}: {String(d.message ?? "")}
        </Text>
      ))}
    </Alert>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" ta="center" p="lg">
      {children}
    </Text>
  );
}
