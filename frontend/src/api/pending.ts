// Endpoints added by the server alongside the dashboard. Those the committed schema.d.ts
// carries go through the typed client; for the others (cookie session, particles,
// correlations, profiles) the types here mirror the server's contract until the schema is
// regenerated after they land, and `call` is the one place that fetches them by hand.
import { api, csrfHeaders, toApiError, unwrap, type Schemas } from "./client";

export type PublicConfig = Schemas["ConfigPublic"];
export type CheckAnswer = Schemas["BedCheckPublic"];
/** A diagnostic; `end_*` may be absent (older servers), then the word at the position is marked. */
export type Diagnostic = Omit<Schemas["DiagnosticPublic"], "end_line" | "end_column" | "severity"> & {
  end_line: number | null;
  end_column: number | null;
  severity: string;
};

export interface SessionAnswer {
  csrf_token: string;
  user: { id: string; email: string; full_name: string; is_superuser?: boolean };
}

export interface ParticlesAnswer {
  count: number;
  shape: string;
  dimensions: Record<string, number>;
  column: { shape: string; diameter: number; width: number | null; depth: number | null; height: number };
  positions: string;
  orientations: string;
  sizes: string;
}

export interface CorrelationPoint {
  superficial_velocity: number;
  particle_reynolds: number;
  ergun: number;
  carman_kozeny: number;
  eisfeld_schnitzlein: number;
}

export interface CorrelationsAnswer {
  porosity: number;
  porosity_from: string;
  points: CorrelationPoint[];
}

export interface ProfilesAnswer {
  radial: { r: number[]; porosity: number[] } | null;
  axial: { z: number[]; porosity: number[] } | null;
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  form?: Record<string, string>,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...csrfHeaders(method) };
  let payload: BodyInit | undefined;
  if (form) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    payload = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) throw toApiError(res.status, parsed);
  return parsed as T;
}

export const getConfig = () => unwrap(api.GET("/api/v1/config"));
export const checkBed = (text: string, filename = "bed.bed") =>
  unwrap(api.POST("/api/v1/beds/check", { body: { text, filename } }));
export const signIn = (username: string, password: string) =>
  call<SessionAnswer>("POST", "/api/v1/login/session", undefined, { username, password });
export const signOut = () => call<null>("DELETE", "/api/v1/login/session");
export const getParticles = (id: string) => call<ParticlesAnswer>("GET", `/api/v1/beds/${id}/particles`);
export const getProfiles = (id: string) => call<ProfilesAnswer>("GET", `/api/v1/beds/${id}/profiles`);
export const getCorrelations = (id: string, min: number, max: number, n = 40) =>
  call<CorrelationsAnswer>(
    "GET",
    `/api/v1/beds/${id}/correlations?min_velocity=${min}&max_velocity=${max}&n=${n}`,
  );

/** Decode a base64 little-endian float32 array. */
export function decodeFloat32(b64: string): Float32Array {
  const bin = atob(b64);
  const buf = new ArrayBuffer(bin.length);
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(buf);
  const out = new Float32Array(bin.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
