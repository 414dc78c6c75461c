// The job log's replay logic: events arrive from a replay (after a reconnect with
// last_event_id), from the live socket and from the SSE fallback, possibly overlapping.
// Each event has a unique, increasing id; the log keeps each once, in id order.

export interface JobEvent {
  id: number;
  type: string; // log, status or job_complete
  job_id: string;
  seq: number;
  stage: string;
  level: string;
  message: string;
  progress: number;
  status: string;
  created_at: string;
}

export interface EventLog {
  events: JobEvent[];
  lastId: number;
}

export const emptyLog: EventLog = { events: [], lastId: 0 };

/** Add events to the log: duplicates (same id) dropped, order by id kept. */
export function merge(log: EventLog, incoming: JobEvent[]): EventLog {
  if (incoming.length === 0) return log;
  const seen = new Set(log.events.map((e) => e.id));
  const fresh = incoming.filter((e) => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return true;
  });
  if (fresh.length === 0) return log;
  const inOrder = fresh.every((e, i) => e.id > (i === 0 ? log.lastId : fresh[i - 1].id));
  const events = inOrder ? log.events.concat(fresh) : log.events.concat(fresh).sort((a, b) => a.id - b.id);
  return { events, lastId: events[events.length - 1].id };
}

/** The events of one job, optionally only those at or above a level. */
const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"];
export function filterEvents(events: JobEvent[], jobId: string, minLevel = "DEBUG"): JobEvent[] {
  const floor = Math.max(0, LEVELS.indexOf(minLevel.toUpperCase()));
  return events.filter(
    (e) => e.job_id === jobId && Math.max(0, LEVELS.indexOf(e.level.toUpperCase())) >= floor,
  );
}

/** Per-stage progress from a job's events: the last progress seen in each stage. */
export function stageProgress(events: JobEvent[]): Map<string, { progress: number; status: string }> {
  const out = new Map<string, { progress: number; status: string }>();
  for (const e of events) {
    if (!e.stage) continue;
    out.set(e.stage, { progress: e.progress, status: e.status });
  }
  return out;
}

/** Parse server-sent events from a text buffer; returns complete events and the rest. */
export function parseSse(buffer: string): { events: JobEvent[]; rest: string } {
  const events: JobEvent[] = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (!data) continue;
    try {
      events.push(JSON.parse(data) as JobEvent);
    } catch {
      // a keep-alive or a malformed block: nothing to add
    }
  }
  return { events, rest };
}
