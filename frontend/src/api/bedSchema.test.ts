import { describe, expect, it } from "vitest";
import { choicesFrom } from "./bedSchema";

// the shape of the server's document (tests/web/test_client_schema.py keeps schema.d.ts, whose
// ParticleSpec and PackingSpec bedSchema.ts names, in step with the server)
const doc = {
  components: {
    schemas: {
      ParticleSpec: { properties: { kind: { enum: ["sphere", "cylinder", "cube"] } } },
      PackingSpec: { properties: { method: { enum: ["auto", "dem", "rigid_body"] } } },
      CfdSpec: { properties: { solver: { enum: ["lbm", "openfoam", "correlation"] } } },
    },
  },
};

describe("the bed's choices from the server's OpenAPI document", () => {
  it("reads the particle kinds and packing methods", () => {
    const c = choicesFrom(doc);
    expect(c.kinds).toContain("sphere");
    expect(c.methods).toContain("dem");
    expect(c.solvers).toEqual(["lbm", "openfoam", "correlation"]);
  });
  it("gives empty lists for a document without them", () => {
    expect(choicesFrom({})).toEqual({ kinds: [], methods: [], solvers: [] });
    expect(choicesFrom(null)).toEqual({ kinds: [], methods: [], solvers: [] });
  });
});
