import { Table, Tooltip } from "@mantine/core";
import type { Schemas } from "../api/client";
import { num, when } from "../lib/format";
import { DpdlCell } from "./DpdlCell";

/** Results with pressure drop per length beside the correlations; provenance on hover. */
export function ResultsTable({ results, sims }: { results: Schemas["ResultPublic"][]; sims?: Map<string, Schemas["SimulationPublic"]> }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Results">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Solver</Table.Th>
            <Table.Th>u (m/s)</Table.Th>
            <Table.Th>Re_p</Table.Th>
            <Table.Th>Porosity</Table.Th>
            <Table.Th>dp/L (Pa/m) ± grid uncertainty</Table.Th>
            <Table.Th>Ergun (Pa/m)</Table.Th>
            <Table.Th>Carman-Kozeny</Table.Th>
            <Table.Th>Eisfeld-Schnitzlein</Table.Th>
            <Table.Th>dp/L ÷ Ergun</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {results.map((r) => {
            const sim = sims?.get(r.simulation_id);
            const prov = sim
              ? `solver ${sim.solver}, settings ${Object.entries(sim.settings).map(([k, v]) => `${k}=${String(v)}`).join(", ") || "defaults"}, run ${when(sim.started_at)}`
              : `simulation ${r.simulation_id.slice(0, 8)}, ${when(r.created_at)}`;
            const c = r.correlations ?? {};
            return (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Tooltip label={prov} multiline w={320}>
                    <span tabIndex={0} style={{ textDecoration: "underline dotted", cursor: "help" }}>{sim?.solver ?? "—"}</span>
                  </Tooltip>
                </Table.Td>
                <Table.Td>{num(r.superficial_velocity)}</Table.Td>
                <Table.Td>{num(r.particle_reynolds)}</Table.Td>
                <Table.Td>{num(r.porosity, 3)}</Table.Td>
                <Table.Td data-testid="dpdl"><strong><DpdlCell value={r.pressure_drop_per_length} uncertainty={r.uncertainty} /></strong></Table.Td>
                <Table.Td data-testid="ergun">{num(c.ergun)}</Table.Td>
                <Table.Td>{num(c.carman_kozeny)}</Table.Td>
                <Table.Td>{num(c.eisfeld_schnitzlein)}</Table.Td>
                <Table.Td>{num(r.ratio_to_correlations?.ergun, 3)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
