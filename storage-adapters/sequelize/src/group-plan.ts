import type { SessionUpsert, StoredEvent, WriteBatch, WriteResult } from "@m-software-engineering/heat-collector-kernel";
import { JournalBuilder } from "./heat-journal";

/** An event's identity: (project, session, event id). */
export const eventKey = (e: { projectId: string; sessionId: string; eventId: string }): string => `${e.projectId}\u0000${e.sessionId}\u0000${e.eventId}`;
const sessionKey = (s: { projectId: string; sessionId: string }): string => `${s.projectId}\u0000${s.sessionId}`;

/** Any fixed order of keys serves to take locks in one order; JS string order is one. */
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The group's events to insert: the first copy of each key in arrival order, sorted by key so that
 * concurrent groups (in this process or another) take the unique index's locks in one order and
 * cannot deadlock each other.
 */
export function uniqueEvents(group: readonly WriteBatch[]): StoredEvent[] {
  const first = new Map<string, StoredEvent>();
  for (const b of group) for (const e of b.events) if (!first.has(eventKey(e))) first.set(eventKey(e), e);
  return [...first.keys()].sort(byString).map((k) => first.get(k)!);
}

/** A session upsert with the number of events new to it: what one row of the session statement carries. */
export interface SessionDelta extends SessionUpsert {
  newEvents: number;
}

/**
 * `b` applied after `a`, exactly as the database's upsert would apply them one after the other
 * (ON CONFLICT DO UPDATE cannot touch a row twice in one statement): latest non-null user and app,
 * earliest start with its first path (strictly earlier wins), latest last-seen, first non-null device.
 */
function mergeSession(a: SessionDelta, b: SessionDelta): SessionDelta {
  return {
    projectId: a.projectId,
    sessionId: a.sessionId,
    userId: b.userId ?? a.userId,
    userTraits: b.userTraits ?? a.userTraits,
    firstPath: b.startedAt < a.startedAt ? b.firstPath : a.firstPath,
    startedAt: Math.min(a.startedAt, b.startedAt),
    lastSeenAt: Math.max(a.lastSeenAt, b.lastSeenAt),
    newEvents: a.newEvents + b.newEvents,
    app: b.app ?? a.app,
    device: a.device ?? b.device,
  };
}

export interface SettledGroup {
  results: WriteResult[];
  /** One row per session key, merged in arrival order, sorted by key (lock order). */
  sessions: SessionDelta[];
  /** One journal body per project with new events. */
  journal: Array<{ projectId: string; events: number; body: Buffer }>;
}

/**
 * Given the keys this transaction inserted, each batch's answer, the session rows and the journal.
 * Within a group the first copy of a key in arrival order is the stored one; later copies, in the
 * same batch or another, count as duplicates of their own request (as separate transactions would).
 */
export function settleGroup(group: readonly WriteBatch[], inserted: ReadonlySet<string>): SettledGroup {
  const seen = new Set<string>();
  const sessions = new Map<string, SessionDelta>();
  const journals = new Map<string, JournalBuilder>();
  const results = group.map((batch): WriteResult => {
    const perSession = new Map<string, number>();
    let fresh = 0;
    for (const e of batch.events) {
      const key = eventKey(e);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!inserted.has(key)) continue;
      fresh++;
      perSession.set(e.sessionId, (perSession.get(e.sessionId) ?? 0) + 1);
      let journal = journals.get(e.projectId);
      if (!journal) journals.set(e.projectId, (journal = new JournalBuilder()));
      journal.add(e);
    }
    for (const s of batch.sessions) {
      const delta: SessionDelta = { ...s, newEvents: perSession.get(s.sessionId) ?? 0 };
      const key = sessionKey(s);
      const before = sessions.get(key);
      sessions.set(key, before ? mergeSession(before, delta) : delta);
    }
    return { inserted: fresh, duplicates: batch.events.length - fresh };
  });
  return {
    results,
    sessions: [...sessions.keys()].sort(byString).map((k) => sessions.get(k)!),
    journal: [...journals.entries()].map(([projectId, j]) => ({ projectId, events: j.events, body: j.encode() })),
  };
}
