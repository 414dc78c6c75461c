import { describe, expect, it } from "vitest";
import { toRanges } from "./diagnostics";
import { sectionAt, vocabularyFromOpenapi } from "./language";

const text = 'name = "x";\n\nbed {\n    diameter = 50 qq;\n}\n';

describe("toRanges", () => {
  it("places a diagnostic at its 1-based line and column", () => {
    const [r] = toRanges(text, [
      { line: 4, column: 19, end_line: 4, end_column: 21, severity: "error", message: "unknown unit 'qq'", hint: null },
    ]);
    expect(text.slice(r.from, r.to)).toBe("qq");
    expect(r.severity).toBe("error");
  });

  it("underlines the word when no end is given, and appends the hint", () => {
    const [r] = toRanges(text, [
      { line: 4, column: 5, end_line: null, end_column: null, severity: "warning", message: "odd", hint: "did you mean width?" },
    ]);
    expect(text.slice(r.from, r.to)).toBe("diameter");
    expect(r.message).toBe("odd (did you mean width?)");
    expect(r.severity).toBe("warning");
  });

  it("clamps positions past the end of a line or the text", () => {
    const [a, b] = toRanges(text, [
      { line: 1, column: 99, end_line: null, end_column: null, severity: "error", message: "m", hint: null },
      { line: 99, column: 1, end_line: null, end_column: null, severity: "info", message: "m", hint: null },
    ]);
    expect(a.from).toBe(text.indexOf("\n"));
    expect(b.from).toBeLessThanOrEqual(text.length);
    expect(b.to).toBeLessThanOrEqual(text.length);
  });
});

describe("the .bed vocabulary", () => {
  const doc = {
    components: {
      schemas: {
        BedSpec: { properties: { name: {}, bed: { $ref: "#/components/schemas/ColumnSpec" } } },
        ColumnSpec: { properties: { diameter: { unit: "m", description: "Inner diameter" }, shape: { enum: ["cylinder", "box"] } } },
      },
    },
  };
  it("reads sections, keys, units and values from the schema", () => {
    const v = vocabularyFromOpenapi(doc);
    expect(Object.keys(v.sections)).toEqual(["bed"]);
    expect(v.sections.bed[0]).toMatchObject({ key: "diameter", unit: "m" });
    expect(v.sections.bed[1].values).toEqual(["cylinder", "box"]);
    expect(v.topKeys).toEqual(["name"]);
  });
  it("knows which section the cursor is in", () => {
    expect(sectionAt("bed {\n  dia")).toBe("bed");
    expect(sectionAt("bed {\n}\n")).toBeNull();
  });
});
