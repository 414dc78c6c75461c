// The bed's choices (particle kinds, packing methods, solvers) as the server declares them in its
// OpenAPI document (the BedSpec's ParticleSpec.kind and PackingSpec.method enums), so that
// the dashboard's dropdowns follow the server rather than a list written here.
import { useQuery } from "@tanstack/react-query";
import type { components } from "./schema";

// the schemas read below, named through the typed client: a rename on the server fails the type check
export type ParticleKind = NonNullable<components["schemas"]["ParticleSpec"]["kind"]>;
export type PackingMethod = NonNullable<components["schemas"]["PackingSpec"]["method"]>;
const PARTICLE_SPEC: keyof components["schemas"] = "ParticleSpec";
const PACKING_SPEC: keyof components["schemas"] = "PackingSpec";
const CFD_SPEC: keyof components["schemas"] = "CfdSpec";

export interface BedChoices {
  kinds: string[];
  methods: string[];
  solvers: string[];
}

type Doc = { components?: { schemas?: Record<string, { properties?: Record<string, { enum?: unknown[] }> }> } };

const enumOf = (doc: Doc, schema: string, prop: string): string[] =>
  (doc.components?.schemas?.[schema]?.properties?.[prop]?.enum ?? []).filter((v): v is string => typeof v === "string");

/** The choices in an OpenAPI document; empty lists where it does not declare them. */
export function choicesFrom(doc: unknown): BedChoices {
  const d = (doc ?? {}) as Doc;
  return { kinds: enumOf(d, PARTICLE_SPEC, "kind"), methods: enumOf(d, PACKING_SPEC, "method"), solvers: enumOf(d, CFD_SPEC, "solver") };
}

export async function getServerSchema(): Promise<unknown> {
  const r = await fetch("/api/v1/openapi.json", { credentials: "same-origin" });
  if (!r.ok) throw new Error(`The server's schema could not be loaded (${r.status}).`);
  return r.json();
}

/** The server's OpenAPI document, fetched once per page load. */
export function useServerSchema() {
  return useQuery({ queryKey: ["openapi"], queryFn: getServerSchema, staleTime: Infinity, retry: false });
}

/** The server's bed choices. */
export function useBedChoices() {
  const doc = useServerSchema();
  return { ...doc, data: doc.data === undefined ? undefined : choicesFrom(doc.data) };
}
