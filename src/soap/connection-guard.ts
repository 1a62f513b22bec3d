import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Logger } from '../util/log.js';
import { plainAddress } from '../util/net.js';

/** Why a connection was closed at once: its source held its cap, or the port was full of requests being served. */
export type RefusalReason = 'source' | 'port';

export interface ConnectionLimits {
  /** Connections one source address may hold open (MAX_CONNECTIONS_PER_SOURCE). */
  perSource: number;
  /** Connections the whole port may hold open; undefined: no bound (the descriptor limit is unknown). */
  port: number | undefined;
}

export interface ConnectionEvents {
  refused?(reason: RefusalReason): void;
  evicted?(): void;
}

interface Connection {
  readonly socket: Socket;
  readonly source: string;
  readonly key: string;
  /** Requests whose body has arrived and whose answer is not sent yet. */
  serving: number;
  gone: boolean;
}

interface Source {
  count: number;
  /** Its connections not serving a request, in the order they became so: the first is the oldest. */
  readonly idle: Set<Connection>;
}

/**
 * Bounds the connections of the SOAP port (docs/architecture.md#resource-bounds). One source address holds at most
 * `perSource` (sized for a NAT or cellular APN in front of many chargers); more are closed at once, before any byte
 * is read. The port holds at most `limits.port` in all: a new connection beyond it takes the place of the oldest
 * connection that serves no request now (one that never sent a whole request, a half-sent one, or an idle
 * keep-alive), taken from the source that holds the most connections, so that a flood of half-sent requests from one
 * host cannot keep known chargers out. Only when every connection is serving a request is the new one closed.
 */
export class ConnectionGuard {
  private readonly connections = new Map<string, Connection>();
  /**
   * The connection of a request's socket, once a request on it was seen: a keep-alive socket's later requests find it
   * without the key string built and hashed again (docs/architecture.md, "Design choices").
   */
  private readonly bySocket = new WeakMap<Socket, Connection>();
  private readonly sources = new Map<string, Source>();
  /** Sources by how many connections they hold, so that the busiest is found without a scan of every source. */
  private readonly bySize = new Map<number, Set<string>>();
  /** Every connection serving no request, in the order they became so. */
  private readonly idle = new Set<Connection>();
  private largest = 0;
  private total = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly events: ConnectionEvents = {},
  ) {}

  /** Open connections of one source now. */
  openFrom(source: string): number {
    return this.sources.get(plainAddress(source))?.count ?? 0;
  }

  /** Open connections of the port now. */
  get open(): number {
    return this.total;
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    // First among the listeners, so that the body's end is seen whoever reads it.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.track(req, res));
  }

  private admit(socket: Socket): void {
    if (socket.remoteAddress === undefined) return void socket.destroy();
    const source = plainAddress(socket.remoteAddress);
    if ((this.sources.get(source)?.count ?? 0) >= this.limits.perSource) {
      this.logger.warn(
        { remoteAddress: source, limit: this.limits.perSource },
        'connection refused: its source holds MAX_CONNECTIONS_PER_SOURCE connections already',
      );
      return this.refuse(socket, 'source');
    }
    if (this.limits.port !== undefined && this.total >= this.limits.port) {
      const victim = this.oldestIdle();
      if (!victim) {
        this.logger.warn(
          { limit: this.limits.port },
          'connection refused: the SOAP port holds its limit of connections and every one is serving a request',
        );
        return this.refuse(socket, 'port');
      }
      this.logger.warn(
        { remoteAddress: victim.source, heldBySource: this.sources.get(victim.source)?.count, limit: this.limits.port },
        'connection evicted: the SOAP port was full; the oldest idle connection of the source holding most was closed',
      );
      this.forget(victim);
      victim.socket.destroy();
      this.events.evicted?.();
    }
    const connection: Connection = { socket, source, key: keyOf(socket), serving: 0, gone: false };
    this.connections.set(connection.key, connection);
    this.resize(source, +1);
    this.rest(connection);
    this.total++;
    socket.once('close', () => this.forget(connection));
  }

  private refuse(socket: Socket, reason: RefusalReason): void {
    socket.destroy();
    this.events.refused?.(reason);
  }

  /** A request is served from when its body has arrived until its answer is sent (or its socket closes). */
  private track(req: IncomingMessage, res: ServerResponse): void {
    let connection = this.bySocket.get(req.socket);
    if (connection === undefined) {
      connection = this.connections.get(keyOf(req.socket));
      if (!connection) return;
      this.bySocket.set(req.socket, connection);
    }
    let state: 'reading' | 'serving' | 'done' = 'reading';
    req.once('end', () => {
      if (state !== 'reading' || connection.gone) return;
      state = 'serving';
      if (connection.serving++ === 0) this.wake(connection);
    });
    res.once('close', () => {
      const was = state;
      state = 'done';
      if (was !== 'serving' || connection.gone) return;
      // It goes to the end of the line: the connection idle for longest is the first to go.
      if (--connection.serving === 0) this.rest(connection);
    });
  }

  /**
   * The oldest idle connection of a source holding the most connections (of one holding fewer when those serve
   * requests on all of theirs); when every source with an idle connection holds one, the oldest idle of all.
   */
  private oldestIdle(): Connection | undefined {
    for (let size = this.largest; size > 1; size--)
      for (const source of this.bySize.get(size) ?? []) {
        const first = this.sources.get(source)?.idle.values().next();
        if (first && !first.done) return first.value;
      }
    const first = this.idle.values().next();
    return first.done ? undefined : first.value;
  }

  private rest(connection: Connection): void {
    this.idle.add(connection);
    this.sources.get(connection.source)?.idle.add(connection);
  }

  private wake(connection: Connection): void {
    this.idle.delete(connection);
    this.sources.get(connection.source)?.idle.delete(connection);
  }

  private forget(connection: Connection): void {
    if (connection.gone) return;
    connection.gone = true;
    if (this.connections.get(connection.key) === connection) this.connections.delete(connection.key);
    this.wake(connection);
    this.resize(connection.source, -1);
    if (this.sources.get(connection.source)?.count === 0) this.sources.delete(connection.source);
    this.total--;
  }

  /** Moves a source to the size bucket `delta` away; returns its record. */
  private resize(name: string, delta: number): Source {
    let source = this.sources.get(name);
    if (!source) {
      source = { count: 0, idle: new Set() };
      this.sources.set(name, source);
    }
    const bucket = this.bySize.get(source.count);
    bucket?.delete(name);
    if (bucket?.size === 0) this.bySize.delete(source.count);
    source.count += delta;
    if (source.count > 0) {
      const next = this.bySize.get(source.count) ?? new Set<string>();
      next.add(name);
      this.bySize.set(source.count, next);
    }
    this.largest = Math.max(this.largest, source.count);
    while (this.largest > 0 && !this.bySize.has(this.largest)) this.largest--;
    return source;
  }
}

/** A connection's name while it is open: the TLS socket of a request and its TCP socket share it. */
function keyOf(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}
