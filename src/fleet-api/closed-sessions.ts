/** What retention reads of a closed session (records.ts's SessionRecord). */
export interface ClosedSession {
  sessionId: number;
  identity: string;
  /** When the gateway closed it. */
  recordedAt?: number;
}

/**
 * The closed sessions kept, in the order they closed (the guide's record ordinals follow it), indexed by session id
 * and by charger, so that keeping one more and dropping the oldest cost the same with 100 sessions kept or 100,000.
 * A dropped session leaves the ordered list lazily: it is skipped, and the list is compacted when it is read or when
 * the dropped ones outnumber the kept ones.
 */
export class ClosedSessions<SessionRecord extends ClosedSession> {
  private list: SessionRecord[] = [];
  /** Entries of `list` before this index are dropped. */
  private head = 0;
  private dropped = 0;
  private readonly ids = new Map<number, SessionRecord>();
  /** Each charger's kept sessions, oldest first. */
  private readonly perCharger = new Map<string, SessionRecord[]>();

  /** Keeps a session as the newest; one already kept under its id stays as it is. */
  add(session: SessionRecord): void {
    if (this.ids.has(session.sessionId)) return;
    this.list.push(session);
    this.ids.set(session.sessionId, session);
    const mine = this.perCharger.get(session.identity);
    if (mine) mine.push(session);
    else this.perCharger.set(session.identity, [session]);
  }

  /** Replaces everything kept with `sessions`, oldest first. */
  replace(sessions: SessionRecord[]): void {
    this.list = [];
    this.head = 0;
    this.dropped = 0;
    this.ids.clear();
    this.perCharger.clear();
    for (const s of sessions) this.add(s);
  }

  /** Every kept session, in the order they closed. */
  all(): readonly SessionRecord[] {
    if (this.dropped > 0) this.compact();
    return this.list;
  }

  byId(sessionId: number): SessionRecord | undefined {
    return this.ids.get(sessionId);
  }

  /** Drops the sessions recorded before `horizon` from the front of the order; `dropped` is told of each. */
  dropOlderThan(horizon: number, dropped: (s: SessionRecord) => void): void {
    while (this.head < this.list.length) {
      const s = this.list[this.head]!;
      if (this.kept(s) && (s.recordedAt ?? 0) >= horizon) break;
      if (this.kept(s)) this.drop(s, dropped);
      this.head++;
    }
    this.compactIfSparse();
  }

  /** Drops a charger's oldest sessions beyond `keep`; `dropped` is told of each. */
  dropBeyond(identity: string, keep: number, dropped: (s: SessionRecord) => void): void {
    const mine = this.perCharger.get(identity);
    while (mine && mine.length > keep) this.drop(mine[0]!, dropped);
    this.compactIfSparse();
  }

  private kept(s: SessionRecord): boolean {
    return this.ids.get(s.sessionId) === s;
  }

  private drop(s: SessionRecord, dropped: (s: SessionRecord) => void): void {
    this.ids.delete(s.sessionId);
    const mine = this.perCharger.get(s.identity)!;
    // The oldest of its charger, except after a reload that merged records from before (persistIn).
    if (mine[0] === s) mine.shift();
    else mine.splice(mine.indexOf(s), 1);
    if (mine.length === 0) this.perCharger.delete(s.identity);
    this.dropped++;
    dropped(s);
  }

  private compactIfSparse(): void {
    if (this.dropped > 1024 && this.dropped > this.ids.size) this.compact();
  }

  private compact(): void {
    this.list = this.list.slice(this.head).filter((s) => this.kept(s));
    this.head = 0;
    this.dropped = 0;
  }
}
