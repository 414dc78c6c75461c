import { describe, expect, it } from "vitest";
import { mm, num, toCsv } from "./format";
import { readCookie } from "../api/client";
import { toApiError } from "../api/client";

describe("format", () => {
  it("shows lengths in mm and numbers with sensible digits", () => {
    expect(mm(0.05)).toBe("50 mm");
    expect(num(152.345)).toBe("152.3");
    expect(num(2.1e-8)).toBe("2.100e-8");
    expect(num(null)).toBe("—");
  });
  it("quotes CSV cells that need it", () => {
    expect(toCsv([["a", 'b"c', "d,e"], [1, null, 2]])).toBe('a,"b""c","d,e"\n1,,2\n');
  });
});

describe("client helpers", () => {
  it("reads the CSRF cookie", () => {
    expect(readCookie("bedflow_csrf", "a=1; bedflow_csrf=abc%3D; b=2")).toBe("abc=");
    expect(readCookie("bedflow_csrf", "a=1")).toBeNull();
  });
  it("turns error bodies into words, never raw JSON", () => {
    const e = toApiError(422, { error: { code: "bed_invalid", message: "bed.bed:4:19: unknown unit", details: [{ line: 4, column: 19 }] } });
    expect(e.message).toBe("bed.bed:4:19: unknown unit");
    expect(e.details[0].line).toBe(4);
    expect(toApiError(422, { detail: [{ loc: ["body", "email"], msg: "not an email" }] }).message).toBe("email: not an email");
    expect(toApiError(404, null).message).toMatch(/Not found/);
  });
});
