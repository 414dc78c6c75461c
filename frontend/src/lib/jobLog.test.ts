import { describe, expect, it } from "vitest";
import { emptyLog, filterEvents, merge, parseSse, stageProgress, type JobEvent } from "./jobLog";

const ev = (id: number, over: Partial<JobEvent> = {}): JobEvent => ({
  id,
  type: "log",
  job_id: "j1",
  seq: id,
  stage: "pack",
  level: "INFO",
  message: `m${id}`,
  progress: id * 10,
  status: "running",
  created_at: "2026-01-01T00:00:00Z",
  ...over,
});

describe("merge", () => {
  it("keeps every event once when a reconnect replays what was seen", () => {
    let log = merge(emptyLog, [ev(1), ev(2), ev(3)]);
    // reconnect with last_event_id=2 would replay 3; an overlapping replay from the SSE fallback too
    log = merge(log, [ev(2), ev(3), ev(4)]);
    log = merge(log, [ev(4), ev(5)]);
    expect(log.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(log.lastId).toBe(5);
  });

  it("puts late history before live events", () => {
    let log = merge(emptyLog, [ev(7), ev(8)]); // live, before the page's history arrived
    log = merge(log, [ev(1), ev(2), ev(7)]);
    expect(log.events.map((e) => e.id)).toEqual([1, 2, 7, 8]);
    expect(log.lastId).toBe(8);
  });

  it("returns the same log when nothing is new", () => {
    const log = merge(emptyLog, [ev(1)]);
    expect(merge(log, [ev(1)])).toBe(log);
    expect(merge(log, [])).toBe(log);
  });
});

describe("filters", () => {
  const events = [ev(1, { level: "DEBUG" }), ev(2), ev(3, { level: "WARNING", stage: "simulate", progress: 60 }), ev(4, { job_id: "j2" })];
  it("filters by job and minimum level", () => {
    expect(filterEvents(events, "j1").map((e) => e.id)).toEqual([1, 2, 3]);
    expect(filterEvents(events, "j1", "WARNING").map((e) => e.id)).toEqual([3]);
  });
  it("tracks each stage's last progress", () => {
    const p = stageProgress(filterEvents(events, "j1"));
    expect(p.get("pack")?.progress).toBe(20);
    expect(p.get("simulate")?.progress).toBe(60);
  });
});

describe("parseSse", () => {
  it("reads complete events and keeps the partial rest", () => {
    const a = JSON.stringify(ev(1));
    const b = JSON.stringify(ev(2));
    const { events, rest } = parseSse(`: keep-alive\n\nid: 1\ndata: ${a}\n\nid: 2\ndata: ${b.slice(0, 10)}`);
    expect(events.map((e) => e.id)).toEqual([1]);
    expect(rest).toBe(`id: 2\ndata: ${b.slice(0, 10)}`);
    const more = parseSse(rest + b.slice(10) + "\n\n");
    expect(more.events.map((e) => e.id)).toEqual([2]);
  });
});
