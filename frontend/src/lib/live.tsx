// Live job events for the signed-in user: one WebSocket (/api/v1/ws, authenticated by the
// session cookie; the subprotocol `bedflow` is offered as the server expects), reconnecting
// with last_event_id so nothing is missed or shown twice. When the socket cannot be opened,
// a job's page falls back to its server-sent events read with fetch and a stream reader.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { emptyLog, merge, parseSse, type EventLog, type JobEvent } from "./jobLog";

interface Live {
  log: EventLog;
  connected: boolean;
  failed: boolean;
  add: (events: JobEvent[]) => void;
}

const Ctx = createContext<Live>({ log: emptyLog, connected: false, failed: false, add: () => {} });

export function LiveProvider({ children, enabled }: { children: ReactNode; enabled: boolean }) {
  const [log, setLog] = useState<EventLog>(emptyLog);
  const [connected, setConnected] = useState(false);
  const [failed, setFailed] = useState(false);
  const lastId = useRef<number | null>(null);
  const qc = useQueryClient();

  const add = (events: JobEvent[]) => {
    if (events.length === 0) return;
    setLog((l) => {
      const next = merge(l, events);
      lastId.current = next.lastId;
      return next;
    });
  };

  useEffect(() => {
    if (!enabled) return;
    let ws: WebSocket | null = null;
    let stopped = false;
    let attempts = 0;
    let timer: number | undefined;
    const open = () => {
      const proto = location.protocol === "https:" ? "wss" : "ws";
      const after = lastId.current != null ? `?last_event_id=${lastId.current}` : "";
      ws = new WebSocket(`${proto}://${location.host}/api/v1/ws${after}`, ["bedflow"]);
      ws.onopen = () => {
        attempts = 0;
        setConnected(true);
        setFailed(false);
      };
      ws.onmessage = (m) => {
        try {
          const e = JSON.parse(String(m.data)) as JobEvent;
          if (lastId.current == null) lastId.current = e.id - 1;
          add([e]);
          if (e.type === "job_complete" || ["succeeded", "failed", "cancelled"].includes(e.status)) {
            qc.invalidateQueries({ queryKey: ["job", e.job_id] });
            qc.invalidateQueries({ queryKey: ["jobs"] });
            qc.invalidateQueries({ queryKey: ["bed"] });
            qc.invalidateQueries({ queryKey: ["results"] });
          }
          if (e.type === "job_complete") {
            notifications.show({
              title: `Job ${e.status}`,
              message: `${e.stage || "job"} ${e.job_id.slice(0, 8)}: ${e.message || e.status}`,
              color: e.status === "succeeded" ? "teal" : e.status === "cancelled" ? "gray" : "red",
            });
          }
        } catch {
          // not an event: ignore
        }
      };
      ws.onclose = () => {
        setConnected(false);
        if (stopped) return;
        attempts++;
        if (attempts >= 3) setFailed(true);
        timer = window.setTimeout(open, Math.min(10_000, 500 * 2 ** attempts));
      };
    };
    open();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ws?.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled]);

  return <Ctx.Provider value={{ log, connected, failed, add }}>{children}</Ctx.Provider>;
}

export function useLive(): Live {
  return useContext(Ctx);
}

/** The SSE fallback for one job: read with fetch and a stream reader (cookie-authenticated). */
export function useSseFallback(jobId: string, active: boolean) {
  const { add, log } = useLive();
  const start = useRef(log.lastId);
  useEffect(() => {
    if (!active) return;
    const ctrl = new AbortController();
    (async () => {
      const after = start.current ? `?last_event_id=${start.current}` : "?last_event_id=0";
      const res = await fetch(`/api/v1/jobs/${jobId}/events${after}`, {
        signal: ctrl.signal,
        credentials: "same-origin",
        headers: { Accept: "text/event-stream" },
      });
      if (!res.ok || !res.body) return;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const { events, rest } = parseSse(buffer);
        buffer = rest;
        add(events);
      }
    })().catch(() => undefined);
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jobId, active]);
}

/** The last live event of each job: its progress, stage and status as they arrive. */
export function useLatestByJob(): Map<string, JobEvent> {
  const { log } = useLive();
  const out = new Map<string, JobEvent>();
  for (const e of log.events) out.set(e.job_id, e);
  return out;
}
