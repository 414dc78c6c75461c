import { describe, expect, it, vi, afterEach } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router-dom";
import { AuthProvider } from "../auth";
import { LoginPage } from "./Login";

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("LoginPage", () => {
  it("posts the form to the session endpoint and shows a refusal in words", async () => {
    const calls: { url: string; method: string; body: string }[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const url = request.url;
      calls.push({ url, method: request.method, body: await request.text() });
      if (url.endsWith("/api/v1/config")) return answer(200, { version: "1", signup_open: true, max_upload_bytes: 1, session_cookie: "s" });
      if (url.endsWith("/api/v1/users/me")) return answer(401, { error: { code: "unauthorized", message: "not signed in" } });
      if (url.endsWith("/api/v1/login/session")) return answer(400, { error: { code: "bad_credentials", message: "Incorrect email or password" } });
      return answer(404, {});
    });
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
            <AuthProvider>
              <LoginPage />
            </AuthProvider>
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    );
    expect(await screen.findByText("Sign up")).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/Email/), { target: { value: "a@example.com" } });
    fireEvent.change(screen.getByLabelText(/Password/), { target: { value: "secret-pass" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Incorrect email or password"));
    const post = calls.find((c) => c.url.endsWith("/login/session"))!;
    expect(post.method).toBe("POST");
    expect(post.body).toBe("username=a%40example.com&password=secret-pass");
  });
});
