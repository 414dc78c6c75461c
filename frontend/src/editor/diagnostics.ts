// The server's .bed diagnostics (1-based line and column, optional end) as CodeMirror
// ranges (0-based character offsets into the text the check was made for).
import type { Diagnostic } from "../api/web";

export interface Range {
  from: number;
  to: number;
  severity: "error" | "warning" | "info";
  message: string;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

function offset(starts: number[], text: string, line: number, column: number): number {
  const l = Math.min(Math.max(1, line), starts.length);
  const start = starts[l - 1];
  const end = l < starts.length ? starts[l] - 1 : text.length;
  return Math.min(end, start + Math.max(0, column - 1));
}

export function toRanges(text: string, diagnostics: Diagnostic[]): Range[] {
  const starts = lineStarts(text);
  return diagnostics.map((d) => {
    const from = offset(starts, text, d.line, d.column);
    let to = d.end_line != null && d.end_column != null ? offset(starts, text, d.end_line, d.end_column) : from;
    if (to <= from) {
      // no end given: underline the word at the position (at least one character)
      const m = /^[\w.\-/"]+/.exec(text.slice(from));
      to = Math.min(text.length, from + Math.max(1, m ? m[0].length : 1));
    }
    const severity = d.severity === "warning" ? "warning" : d.severity === "error" ? "error" : "info";
    const message = d.hint ? `${d.message} (${d.hint})` : d.message;
    return { from, to: Math.max(to, from), severity, message };
  });
}
