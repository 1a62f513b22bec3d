import type WebSocket from 'ws';

/**
 * WebSocket pings towards the CSMS (WebSocketPingInterval, OCPP-J 1.6 section 7): a connection that leaves a ping
 * unanswered for a whole interval is given up (`silent`).
 */
export class Pinger {
  private timer?: NodeJS.Timeout;
  private awaitingPong = false;

  constructor(private readonly silent: () => void) {}

  /** Pings `ws` every `seconds` (0: never), replacing an earlier schedule. */
  start(ws: WebSocket | undefined, seconds: number): void {
    this.stop();
    if (!ws || seconds <= 0) return;
    this.awaitingPong = false;
    this.timer = setInterval(() => {
      if (this.awaitingPong) return this.silent();
      this.awaitingPong = true;
      ws.ping();
    }, seconds * 1000);
    this.timer.unref();
  }

  pong(): void {
    this.awaitingPong = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
