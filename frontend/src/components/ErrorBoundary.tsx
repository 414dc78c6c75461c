import { Component, type ReactNode } from "react";
import { Alert, Button, Stack } from "@mantine/core";

/** Catches a page's rendering error and shows it in words with a way back. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Alert color="red" title="This page failed to show" role="alert">
        <Stack>
          <span>{this.state.error.message}</span>
          <Button variant="light" onClick={() => this.setState({ error: null })}>
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  }
}
