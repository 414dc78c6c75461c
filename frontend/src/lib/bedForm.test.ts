import { describe, expect, it } from "vitest";
import { bedText, fieldProblem, formFields, placeholder } from "./bedForm";

// the shape of the server's document: BedSpec's sections are $refs to their schemas
const doc = {
  components: {
    schemas: {
      BedSpec: {
        properties: {
          name: { type: "string", default: "bed", description: "Name of the bed." },
          bed: { $ref: "#/components/schemas/ColumnSpec" },
          particles: { $ref: "#/components/schemas/ParticleSpec" },
        },
      },
      ColumnSpec: { properties: { diameter: { type: "number", default: 0.025, unit: "m" }, tags: { type: "array" } } },
      ParticleSpec: {
        properties: {
          kind: { type: "string", enum: ["sphere", "cylinder", "cube"], default: "sphere" },
          count: { anyOf: [{ type: "integer" }, { type: "null" }] },
        },
      },
    },
  },
};

describe("the bed form from the bed schema", () => {
  const fields = formFields(doc);
  it("has a field per scalar key, enums as choices, nullable ones by their type", () => {
    expect(fields.map((f) => `${f.section}.${f.key}:${f.kind}`)).toEqual([
      ".name:text", "bed.diameter:number", "particles.kind:choice", "particles.count:integer",
    ]);
    expect(fields[2].choices).toEqual(["sphere", "cylinder", "cube"]);
    expect(placeholder(fields[1])).toBe("default 0.025 m");
    expect(placeholder(fields[2])).toBe("default sphere");
  });
  it("writes .bed text with units as typed; empty fields keep the defaults", () => {
    const text = bedText(fields, { name: "my bed", "bed.diameter": "25 mm", "particles.count": "100", "particles.kind": "" });
    expect(text).toBe('name = "my bed";\n\nbed {\n    diameter = 25 mm;\n}\n\nparticles {\n    count = 100;\n}\n');
  });
  it("refuses what cannot be a value, and leaves it out of the text", () => {
    const d = fields[1];
    expect(fieldProblem(d, "25 mm")).toBeNull();
    expect(fieldProblem(d, "2.5e-2")).toBeNull();
    expect(fieldProblem(d, "25 mm; } cfd {")).toMatch(/a number/);
    expect(fieldProblem(fields[0], 'a"b')).toMatch(/quotes/);
    expect(fieldProblem(fields[2], "pyramid")).toMatch(/one of sphere/);
    expect(bedText(fields, { "bed.diameter": "lots" })).toBe("\n");
  });
});
