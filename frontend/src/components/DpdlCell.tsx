import { Text, Tooltip } from "@mantine/core";
import type { GridStudy } from "../lib/uncertainty";
import { dpdlText, studyLines } from "../lib/uncertainty";

/** dp/L with its uncertainty; the grid convergence study's details on hover (and focus). */
export function DpdlCell({ value, uncertainty }: { value: number | null | undefined; uncertainty: GridStudy | null | undefined }) {
  const text = dpdlText(value, uncertainty);
  if (!uncertainty || value == null) return <span data-testid="dpdl-text">{text}</span>;
  return (
    <Tooltip
      multiline
      w={360}
      label={studyLines(uncertainty).map((l) => <Text key={l} size="xs">{l}</Text>)}
    >
      <span data-testid="dpdl-text" tabIndex={0} style={{ textDecoration: "underline dotted", cursor: "help" }}>{text}</span>
    </Tooltip>
  );
}
