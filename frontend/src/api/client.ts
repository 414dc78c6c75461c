// The typed API client: openapi-fetch over the paths generated from the server's OpenAPI
// document (`npm run gen:api`). The browser signs in with an httpOnly session cookie
// (docs/dashboard.md); every unsafe request carries the CSRF cookie's value back in
// `X-CSRF-Token`, which a page of another origin cannot read and so cannot send.
import createClient, { type Middleware } from "openapi-fetch";
import type { Readable } from "openapi-typescript-helpers";
import type { components, paths } from "./schema";

/** The schemas as the client hands them back (openapi-fetch's `Readable`, which turns a
 * tuple such as a result's `history` into a plain array), so that a page's props accept
 * what a query returned. */
export type Schemas = { [K in keyof components["schemas"]]: Readable<components["schemas"][K]> };

export const CSRF_COOKIE = "bedflow_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

/** Headers for a request made outside the typed client (uploads, streams). */
export function csrfHeaders(method: string): Record<string, string> {
  if (SAFE.has(method.toUpperCase())) return {};
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

const csrf: Middleware = {
  onRequest({ request }) {
    for (const [k, v] of Object.entries(csrfHeaders(request.method))) request.headers.set(k, v);
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
  // looked up on each call, so that tests can replace the global fetch
  fetch: (request) => globalThis.fetch(request),
});
api.use(csrf);

/** An API error in words, with the located problems a `.bed` 422 carries. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: Record<string, unknown>[] = [],
  ) {
    super(message);
  }
}

const FRIENDLY: Record<number, string> = {
  401: "Your session has ended; please sign in again.",
  403: "You are not allowed to do that.",
  404: "Not found: it may have been deleted, or it belongs to someone else.",
  409: "That conflicts with the current state.",
  413: "That file is too large.",
  429: "Too many requests; wait a moment and try again.",
};

/** Turn an error body (`{error: {code, message, details}}` or FastAPI's `{detail}`) into words. */
export function toApiError(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>;
  const err = b.error as { code?: string; message?: string; details?: Record<string, unknown>[] } | undefined;
  if (err && typeof err.message === "string") {
    return new ApiError(err.message, status, err.code ?? String(status), err.details ?? []);
  }
  const detail = b.detail;
  if (typeof detail === "string") return new ApiError(detail, status, String(status));
  if (Array.isArray(detail)) {
    const msgs = detail.map((d: { loc?: unknown[]; msg?: string }) =>
      [d.loc?.slice(1).join("."), d.msg].filter(Boolean).join(": "),
    );
    return new ApiError(msgs.join("; "), status, "validation", detail);
  }
  return new ApiError(FRIENDLY[status] ?? `The server answered ${status}.`, status, String(status));
}

/** Unwrap an openapi-fetch answer: its data, or a thrown ApiError. */
export async function unwrap<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await p;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return "Something went wrong.";
}
