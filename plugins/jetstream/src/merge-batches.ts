import type { SessionUpsert, WriteBatch } from "@m-software-engineering/heat-collector-kernel";

/**
 * Folds the batches of one project, in stream order, into one: events once per (session, event id)
 * (a batch retried into the stream twice), and one upsert per session merged the way the storage
 * applies them one after another: earliest start (with its first path), latest last-seen, the latest
 * non-null user, traits, app and device. One write for many batches is what makes the buffer cheap.
 */
export function mergeBatches(projectId: string, batches: readonly WriteBatch[]): WriteBatch {
  const events = new Map<string, WriteBatch["events"][number]>();
  const sessions = new Map<string, SessionUpsert>();
  for (const batch of batches) {
    for (const e of batch.events) {
      const key = `${e.sessionId}\u0000${e.eventId}`;
      if (!events.has(key)) events.set(key, e);
    }
    for (const next of batch.sessions) {
      const s = sessions.get(next.sessionId);
      if (!s) {
        sessions.set(next.sessionId, { ...next });
        continue;
      }
      if (next.startedAt < s.startedAt) {
        s.startedAt = next.startedAt;
        s.firstPath = next.firstPath;
      }
      s.lastSeenAt = Math.max(s.lastSeenAt, next.lastSeenAt);
      s.userId = next.userId ?? s.userId;
      s.userTraits = next.userTraits ?? s.userTraits;
      s.app = next.app ?? s.app;
      s.device = next.device ?? s.device;
    }
  }
  return { projectId, sessions: [...sessions.values()], events: [...events.values()] };
}

/** Groups batches by project, then cuts each project's list into runs of whole batches of at most `maxEvents` events. */
export function writeGroups(batches: readonly WriteBatch[], maxEvents: number): WriteBatch[] {
  const byProject = new Map<string, WriteBatch[]>();
  for (const b of batches) byProject.set(b.projectId, [...(byProject.get(b.projectId) ?? []), b]);
  const out: WriteBatch[] = [];
  for (const [projectId, list] of byProject) {
    let run: WriteBatch[] = [];
    let size = 0;
    for (const b of list) {
      if (run.length > 0 && size + b.events.length > maxEvents) {
        out.push(mergeBatches(projectId, run));
        run = [];
        size = 0;
      }
      run.push(b);
      size += b.events.length;
    }
    if (run.length > 0) out.push(mergeBatches(projectId, run));
  }
  return out;
}
