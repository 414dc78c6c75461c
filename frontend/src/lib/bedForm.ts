// A bed form generated from the server's bed schema (the OpenAPI document's BedSpec): one
// field per scalar key of each section, and the .bed text the filled-in fields make. Numbers
// are text with their unit ("5 mm", "2 cm/s"): the server's .bed parser converts them, so a
// wrong unit comes back as a diagnostic at its line and column like any other.

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  $ref?: string;
  description?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  unit?: string;
};
type Doc = { components?: { schemas?: Record<string, JsonSchema> } };

export interface FormField {
  section: string; // "" for a top-level key such as name
  key: string;
  kind: "number" | "integer" | "text" | "choice" | "boolean";
  choices?: string[];
  help: string;
  default?: string;
  unit?: string; // the SI unit the schema states; any unit of its dimension may be written
}

/** The scalar keys of the type a property allows (a nullable one: its non-null type). */
function fieldOf(section: string, key: string, p: JsonSchema): FormField | null {
  const alt = p.anyOf?.find((a) => a.type && a.type !== "null") ?? p;
  const choices = (p.enum ?? alt.enum)?.filter((v): v is string => typeof v === "string");
  const def = p.default == null || typeof p.default === "object" ? undefined : String(p.default);
  const unit = p.unit ?? alt.unit;
  const base = { section, key, help: p.description ?? "", default: def === undefined ? undefined : unit ? `${def} ${unit}` : def, unit };
  if (choices?.length) return { ...base, kind: "choice", choices };
  if (alt.type === "number" || alt.type === "integer" || alt.type === "boolean") return { ...base, kind: alt.type };
  if (alt.type === "string") return { ...base, kind: "text" };
  return null; // arrays and nested records: the editor writes those
}

/** A field's placeholder: its default, in SI with its unit (any unit of that dimension may be written). */
export function placeholder(f: FormField): string {
  if (f.default) return `default ${f.default}`;
  return f.unit ? `default; in ${f.unit} or another unit of it` : "default";
}

/** The form's fields, section by section, in the schema's order. */
export function formFields(doc: unknown): FormField[] {
  const schemas = (doc as Doc | null)?.components?.schemas ?? {};
  const out: FormField[] = [];
  for (const [name, prop] of Object.entries(schemas.BedSpec?.properties ?? {})) {
    const ref = prop.$ref ?? prop.anyOf?.find((a) => a.$ref)?.$ref;
    if (!ref) {
      const f = fieldOf("", name, prop);
      if (f) out.push(f);
      continue;
    }
    for (const [key, p] of Object.entries(schemas[ref.split("/").pop()!]?.properties ?? {})) {
      const f = fieldOf(name, key, p);
      if (f) out.push(f);
    }
  }
  return out;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(\s*[A-Za-z][A-Za-z0-9/.]*)?$/;

/** Why a field's text cannot go into the .bed text, or null. */
export function fieldProblem(f: FormField, value: string): string | null {
  const v = value.trim();
  if (!v) return null;
  if (f.kind === "number" && !NUMBER.test(v)) return "a number, with its unit if it has one (5 mm, 2 cm/s)";
  if (f.kind === "integer" && !/^[-+]?\d+$/.test(v)) return "a whole number";
  if (f.kind === "choice" && !f.choices?.includes(v)) return `one of ${f.choices?.join(", ")}`;
  if (f.kind === "boolean" && v !== "true" && v !== "false") return "true or false";
  if (/[\n\r"\\]/.test(v)) return "one line, without quotes or backslashes";
  return null;
}

const id = (f: FormField) => (f.section ? `${f.section}.${f.key}` : f.key);
export const fieldId = id;

/** The .bed text of the filled-in fields (an empty field keeps the server's default). */
export function bedText(fields: FormField[], values: Record<string, string>): string {
  const line = (f: FormField, v: string) => `${f.key} = ${f.kind === "text" ? `"${v}"` : v};`;
  const filled = fields.filter((f) => (values[id(f)] ?? "").trim() && fieldProblem(f, values[id(f)]) == null);
  const top = filled.filter((f) => !f.section).map((f) => line(f, values[id(f)].trim()));
  const sections = [...new Set(filled.filter((f) => f.section).map((f) => f.section))];
  const blocks = sections.map((s) => {
    const body = filled.filter((f) => f.section === s).map((f) => `    ${line(f, values[id(f)].trim())}`);
    return `${s} {\n${body.join("\n")}\n}`;
  });
  return [...top, ...(top.length ? [""] : []), blocks.join("\n\n")].join("\n").trimEnd() + "\n";
}
