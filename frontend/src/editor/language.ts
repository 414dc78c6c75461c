// The .bed language for CodeMirror: a stream highlighter and completion of section names,
// keys and units read from the server's bed schema (OpenAPI components BedSpec & co.).
import { StreamLanguage } from "@codemirror/language";
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";

export const bedLanguage = StreamLanguage.define<{ inBlock: boolean }>({
  name: "bed",
  startState: () => ({ inBlock: false }),
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match("//") || stream.match("#")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^-?\d+(\.\d+)?([eE][-+]?\d+)?/)) return "number";
    if (stream.match(/^(true|false)\b/)) return "bool";
    if (stream.match(/^[A-Za-z_][\w]*(?=\s*\{)/)) return "heading";
    if (stream.match(/^[A-Za-z_][\w]*(?=\s*=)/)) return "propertyName";
    if (stream.match(/^[A-Za-z_][\w./]*/)) return "atom";
    stream.next();
    return "punctuation";
  },
  languageData: { commentTokens: { line: "//" } },
});

export interface BedVocabulary {
  sections: Record<string, { key: string; info: string; unit?: string; values?: string[] }[]>;
  topKeys: string[];
  units: string[];
}

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  $ref?: string;
  description?: string;
  unit?: string;
  enum?: string[];
  anyOf?: JsonSchema[];
};

export const UNITS = ["m", "mm", "cm", "um", "m/s", "mm/s", "cm/s", "m/s2", "s", "ms", "kg/m3", "g/cm3", "Pa", "Pa.s", "mPa.s", "m2/s", "deg", "rad"];

/** The vocabulary of the .bed language from the OpenAPI document's BedSpec schema. */
export function vocabularyFromOpenapi(doc: { components?: { schemas?: Record<string, JsonSchema> } }): BedVocabulary {
  const schemas = doc.components?.schemas ?? {};
  const bed = schemas.BedSpec?.properties ?? {};
  const sections: BedVocabulary["sections"] = {};
  const topKeys: string[] = [];
  for (const [name, prop] of Object.entries(bed)) {
    const ref = prop.$ref ?? prop.anyOf?.find((a) => a.$ref)?.$ref;
    if (!ref) {
      topKeys.push(name);
      continue;
    }
    const target = schemas[ref.split("/").pop()!];
    sections[name] = Object.entries(target?.properties ?? {}).map(([key, p]) => ({
      key,
      info: p.description ?? "",
      unit: p.unit,
      values: p.enum ?? p.anyOf?.find((a) => a.enum)?.enum,
    }));
  }
  return { sections, topKeys, units: UNITS };
}

/** Which section the cursor is in: the name of the last unclosed `name {`. */
export function sectionAt(text: string): string | null {
  let current: string | null = null;
  const re = /([A-Za-z_]\w*)\s*\{|\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) current = m[0] === "}" ? null : m[1];
  return current;
}

export function bedCompletion(vocab: () => BedVocabulary | null) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const v = vocab();
    if (!v) return null;
    const word = ctx.matchBefore(/[\w./]*/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const before = ctx.state.doc.sliceString(0, word.from);
    const line = ctx.state.doc.lineAt(ctx.pos);
    const lineBefore = line.text.slice(0, ctx.pos - line.from);
    const section = sectionAt(before);
    if (/=\s*[-\d.eE+]+\s+[\w./]*$/.test(lineBefore)) {
      return { from: word.from, options: v.units.map((u) => ({ label: u, type: "unit" })) };
    }
    const assign = /([A-Za-z_]\w*)\s*=\s*[\w"]*$/.exec(lineBefore);
    if (assign && section) {
      const entry = v.sections[section]?.find((k) => k.key === assign[1]);
      if (entry?.values) return { from: word.from, options: entry.values.map((x) => ({ label: x, type: "enum" })) };
      return null;
    }
    if (section) {
      return {
        from: word.from,
        options: (v.sections[section] ?? []).map((k) => ({
          label: k.key,
          type: "property",
          detail: k.unit ? `[${k.unit}]` : undefined,
          info: k.info,
          apply: `${k.key} = `,
        })),
      };
    }
    return {
      from: word.from,
      options: [
        ...Object.keys(v.sections).map((s) => ({ label: s, type: "class", apply: `${s} {\n    \n}` })),
        ...v.topKeys.map((k) => ({ label: k, type: "property", apply: `${k} = ` })),
      ],
    };
  };
}
