// The endpoints the dashboard adds to the API (public config, .bed check, browser session,
// particles, correlations, profiles), through the typed client, and their types.
import { api, unwrap, type Schemas } from "./client";

export type PublicConfig = Schemas["ConfigPublic"];
export type CheckAnswer = Schemas["BedCheckPublic"];
export type ParticlesAnswer = Schemas["ParticlesPublic"];
export type CorrelationsAnswer = Schemas["CorrelationsPublic"];
export type ProfilesAnswer = Schemas["ProfilesPublic"];
/** A diagnostic; `end_*` may be absent, then the word at the position is marked. */
export type Diagnostic = Omit<Schemas["DiagnosticPublic"], "end_line" | "end_column" | "severity"> & {
  end_line: number | null;
  end_column: number | null;
  severity: string;
};

export const getConfig = () => unwrap(api.GET("/api/v1/config"));
export const checkBed = (text: string, filename = "bed.bed") =>
  unwrap(api.POST("/api/v1/beds/check", { body: { text, filename } }));
export const signIn = (username: string, password: string) =>
  unwrap(
    api.POST("/api/v1/login/session", {
      body: { username, password },
      bodySerializer: (b) => new URLSearchParams(b as Record<string, string>).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }),
  );
export const signOut = () => unwrap(api.DELETE("/api/v1/login/session"));
const bed = (id: string) => ({ params: { path: { bed_id: id } } });
export const getParticles = (id: string) => unwrap(api.GET("/api/v1/beds/{bed_id}/particles", bed(id)));
export const getProfiles = (id: string) => unwrap(api.GET("/api/v1/beds/{bed_id}/profiles", bed(id)));
export const getCorrelations = (id: string, min: number, max: number, n = 40) =>
  unwrap(
    api.GET("/api/v1/beds/{bed_id}/correlations", {
      params: { path: { bed_id: id }, query: { min_velocity: min, max_velocity: max, n } },
    }),
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
