import { useMemo, useState } from "react";
import { Button, Fieldset, Group, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useServerSchema } from "../api/bedSchema";
import { bedText, fieldId, fieldProblem, formFields, placeholder, type FormField } from "../lib/bedForm";
import { ErrorMessage, Loading } from "./States";

function Field({ f, value, onChange }: { f: FormField; value: string; onChange: (v: string) => void }) {
  const label = f.key.replace(/_/g, " ");
  const problem = fieldProblem(f, value);
  const common = { label, description: f.help, w: "100%" };
  if (f.kind === "choice" || f.kind === "boolean") {
    const data = f.kind === "boolean" ? ["true", "false"] : (f.choices ?? []);
    return <Select {...common} data={data} value={value || null} onChange={(v) => onChange(v ?? "")} clearable placeholder={placeholder(f)} />;
  }
  return <TextInput {...common} value={value} onChange={(e) => onChange(e.currentTarget.value)} placeholder={placeholder(f)} error={problem} />;
}

/** The bed as a form generated from the server's bed schema; it writes .bed text, which the
 * editor then holds and the server checks, so its diagnostics point at a line as usual. */
export function BedForm({ onText }: { onText: (text: string) => void }) {
  const doc = useServerSchema();
  const fields = useMemo(() => formFields(doc.data), [doc.data]);
  const [values, setValues] = useState<Record<string, string>>({});
  if (doc.isLoading) return <Loading label="Loading the bed schema" />;
  if (doc.error) return <ErrorMessage error={doc.error} />;
  const sections = [...new Set(fields.map((f) => f.section))];
  const bad = fields.some((f) => fieldProblem(f, values[fieldId(f)] ?? "") != null);
  return (
    <Stack data-testid="bed-form">
      <Text size="sm" c="dimmed">Empty fields keep the server's defaults. Numbers take their unit as text: 25 mm, 2 cm/s, 1.2 kg/m3.</Text>
      {sections.map((s) => (
        <Fieldset key={s || "top"} legend={s || "name and description"}>
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {fields.filter((f) => f.section === s).map((f) => (
              <Field key={fieldId(f)} f={f} value={values[fieldId(f)] ?? ""} onChange={(v) => setValues((o) => ({ ...o, [fieldId(f)]: v }))} />
            ))}
          </SimpleGrid>
        </Fieldset>
      ))}
      <Group>
        <Button variant="light" disabled={bad} onClick={() => onText(bedText(fields, values))}>Write into the editor</Button>
      </Group>
    </Stack>
  );
}
