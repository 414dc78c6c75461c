import { describe, expect, it, vi, afterEach } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router-dom";
import { BedActions } from "./BedActions";

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("BedActions", () => {
  it("offers only the solvers an admin left enabled", async () => {
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new Request(input, init).url;
      if (url.endsWith("/api/v1/engines")) {
        const data = [
          { name: "dem", kind: "packing", description: "", enabled: true },
          { name: "lbm", kind: "solver", description: "", enabled: true },
          { name: "openfoam", kind: "solver", description: "", enabled: false },
          { name: "correlation", kind: "solver", description: "", enabled: true },
        ];
        return answer(200, { data, count: data.length });
      }
      return answer(404, {});
    });
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
            <BedActions bedId="b1" />
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    );
    fireEvent.click(screen.getByRole("textbox", { name: "Solver" }));
    expect(await screen.findByRole("option", { name: "lbm" })).toBeTruthy();
    const names = screen.getAllByRole("option").map((o) => o.textContent);
    expect(names).toEqual(["lbm", "correlation"]);
  });
});
