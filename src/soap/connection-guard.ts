import type { Server } from 'node:net';
import type { Logger } from '../util/log.js';
import { plainAddress } from '../util/net.js';

/**
 * Caps the connections one source address may hold open at once on the SOAP port (MAX_CONNECTIONS_PER_SOURCE,
 * docs/architecture.md#resource-bounds): one host cannot take the descriptors every charger needs. The cap is sized
 * for a NAT or cellular APN in front of many chargers; a connection over it is closed at once, before any byte is
 * read, and counted.
 */
export class ConnectionGuard {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly maxPerSource: number,
    private readonly logger: Logger,
    private readonly onRefused: (source: string) => void = () => undefined,
  ) {}

  /** Open connections of one source now. */
  openFrom(source: string): number {
    return this.open.get(plainAddress(source)) ?? 0;
  }

  attach(server: Server): void {
    server.on('connection', (socket) => {
      const source = plainAddress(socket.remoteAddress ?? 'unknown');
      const count = (this.open.get(source) ?? 0) + 1;
      if (count > this.maxPerSource) {
        socket.destroy();
        this.onRefused(source);
        this.logger.warn(
          { remoteAddress: source, limit: this.maxPerSource },
          'connection refused: its source holds MAX_CONNECTIONS_PER_SOURCE connections already',
        );
        return;
      }
      this.open.set(source, count);
      socket.once('close', () => {
        const left = (this.open.get(source) ?? 1) - 1;
        if (left > 0) this.open.set(source, left);
        else this.open.delete(source);
      });
    });
  }
}
