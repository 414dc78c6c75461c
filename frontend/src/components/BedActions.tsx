import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { Button, Checkbox, Group, NumberInput, Select } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap } from "../api/client";
import { useEnabledSolvers } from "../api/engines";

/** Generate (pack) and simulate buttons; a resolution other than the bed's runs as a one-point
 * study; "grid convergence study" simulates at three resolutions for dp/L ± U (not for the
 * correlation solver, which has no grid: the server refuses it with 422). */
export function BedActions({ bedId, bedSolver }: { bedId: string; bedSolver?: string }) {
  const [solver, setSolver] = useState<string | null>(null);
  const [converge, setConverge] = useState(false);
  const [cells, setCells] = useState<number | string>("");
  const [busy, setBusy] = useState<string | null>(null);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const solvers = useEnabledSolvers();
  const gridless = (solver ?? bedSolver) === "correlation";
  const run = async (what: "generate" | "simulate") => {
    setBusy(what);
    try {
      if (what === "simulate" && cells !== "") {
        const study = await unwrap(
          api.POST("/api/v1/studies", {
            body: { bed_id: bedId, name: `cells_per_dp=${cells}`, grid: { "cfd.cells_per_dp": [String(cells)] }, solver: solver ?? undefined, converge: converge && !gridless },
          }),
        );
        navigate(`/studies/${study.id}`);
        return;
      }
      const body = what === "simulate" ? { solver, converge: converge && !gridless } : {};
      const job =
        what === "generate"
          ? await unwrap(api.POST("/api/v1/beds/{bed_id}/generate", { params: { path: { bed_id: bedId } }, body }))
          : await unwrap(api.POST("/api/v1/beds/{bed_id}/simulate", { params: { path: { bed_id: bedId } }, body }));
      await qc.invalidateQueries({ queryKey: ["jobs"] });
      notifications.show({ message: `${what === "generate" ? "Packing" : "Simulation"} queued`, color: "blue" });
      navigate(`/jobs/${job.id}`);
    } catch (e) {
      notifications.show({ title: "Could not start", message: errorText(e), color: "red" });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Group align="end" wrap="wrap">
      <Button onClick={() => run("generate")} loading={busy === "generate"} variant="light">Generate (pack)</Button>
      <Select label="Solver" placeholder="the bed's" clearable data={solvers} value={solver} onChange={setSolver} w={150} />
      <NumberInput label="Cells per particle diameter" placeholder="the bed's" min={4} max={64} value={cells} onChange={setCells} w={200} />
      <Checkbox
        label="grid convergence study (3 resolutions)"
        description={gridless ? "not for the correlation solver" : "dp/L ± U (GCI, 3 grids)"}
        checked={converge && !gridless}
        disabled={gridless}
        onChange={(e) => setConverge(e.currentTarget.checked)}
      />
      <Button onClick={() => run("simulate")} loading={busy === "simulate"}>Simulate</Button>
    </Group>
  );
}
