import type { Writable } from 'node:stream';
import { newId } from '../util/ids.js';
import { holdWritesThisTurn } from '../util/write-coalescer.js';
import WebSocket from 'ws';
import { RpcError, type RpcErrorCode } from '../ocpp/rpc-error.js';
import {
  type UpstreamOptions,
  UpstreamError,
  refusesIdentity,
  type ConnectionState,
  REFUSED_RETRY_MS,
} from './connection-types.js';
import { CALL, CALLERROR, CALLRESULT, decodeFrame, encodeCall, encodeError, encodeResult } from './frames.js';
import { received, type WireTexts } from './frames.js';
import { Pinger } from './pinger.js';

const fenced = () =>
  new UpstreamError('fenced', "not sent: this instance no longer owns the charger's partition (its lease lapsed)");

interface PendingCall {
  id: string;
  action: string;
  resolve(payload: Record<string, unknown>): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  wire?: WireTexts;
}

/**
 * One OCPP-J WebSocket to the CSMS for one charger: subprotocol check, Basic auth, TLS CA, ping/pong, reconnect
 * with exponential backoff and jitter, and at most one outstanding CALL per direction (OCPP-J 1.6 section 4.1.1).
 */
export class UpstreamConnection {
  state: ConnectionState = 'idle';
  /**
   * Why the last connection attempt failed, for operators and for BootNotification's 404 rule
   * (docs/translation.md#bootnotification).
   */
  lastError?: { message: string; handshakeStatus?: number; at: string };
  connectedAt?: string;
  reconnects = 0;
  /** The CSMS refuses this identity at the handshake: its HTTP status and since when. */
  refusal?: { status: number; at: string };

  private ws?: WebSocket;
  private pingIntervalSec: number;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly pinger = new Pinger(() => {
    this.options.logger.warn('no pong from the CSMS within one ping interval: reconnecting');
    this.ws?.terminate();
  });
  private pending?: PendingCall;
  /** Serialises outgoing CALLs: each waits for the previous to be answered or to time out. */
  private tail: Promise<unknown> = Promise.resolve();
  private openWaiters = new Set<{ resolve(): void; reject(err: UpstreamError): void }>();
  private readonly mayDeliver: () => boolean;
  /** An owner's connection: opened while this instance could deliver (mayDeliver), or it has carried a CALL since. */
  private delivering = false;

  constructor(private readonly options: UpstreamOptions) {
    this.pingIntervalSec = options.pingIntervalSec;
    this.mayDeliver = options.mayDeliver ?? (() => true);
  }

  get url(): string {
    return `${this.options.csmsUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.options.identity)}`;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Not open, and the last attempt failed: the CSMS is known to be unreachable now. */
  get down(): boolean {
    return this.state !== 'open' && this.lastError !== undefined;
  }

  /** Opens the connection if it is not open or opening; reconnects follow automatically until close(). */
  connect(): void {
    if (this.state === 'open' || this.state === 'connecting' || this.state === 'closed') return;
    clearTimeout(this.reconnectTimer);
    this.state = 'connecting';
    const settings = this.options.settings?.() ?? Promise.resolve<{ password?: string; pingIntervalSec?: number }>({});
    settings.then(
      (s) => this.open(s.password ?? this.options.password, s.pingIntervalSec ?? this.options.pingIntervalSec),
      (err: Error) => {
        this.failAttempt(`could not read connection settings: ${err.message}`);
        this.scheduleReconnect();
      },
    );
  }

  private open(password: string | undefined, pingIntervalSec: number): void {
    if (this.state !== 'connecting') return;
    this.delivering = this.mayDeliver();
    this.pingIntervalSec = pingIntervalSec;
    const headers: Record<string, string> = {};
    if (password !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.options.identity}:${password}`).toString('base64')}`;
    }
    const ws = new WebSocket(this.url, [this.options.protocol.subprotocol], {
      headers,
      ca: this.options.ca,
      cert: this.options.clientCertificate?.cert,
      key: this.options.clientCertificate?.key,
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
    });
    this.ws = ws;
    let handshakeStatus: number | undefined;
    ws.on('unexpected-response', (_req, res) => {
      handshakeStatus = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      // A server that does not agree completes the handshake without the header, then closes (OCPP-J 1.6 section 3.2).
      if (ws.protocol !== this.options.protocol.subprotocol) {
        this.failAttempt(
          `CSMS did not agree to subprotocol ${this.options.protocol.subprotocol} (answered '${ws.protocol || 'none'}')`,
        );
        ws.terminate();
        return;
      }
      this.state = 'open';
      this.attempt = 0;
      this.connectedAt = new Date().toISOString();
      this.lastError = undefined;
      if (this.refusal) {
        this.refusal = undefined;
        this.options.onRefusal?.(undefined);
      }
      this.options.logger.info({ url: this.url }, 'upstream WebSocket open');
      this.pinger.start(ws, this.pingIntervalSec);
      for (const waiter of this.openWaiters) waiter.resolve();
      this.openWaiters.clear();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.options.logger.warn('CSMS sent a binary frame; OCPP-J is text only, ignored');
        return;
      }
      this.onMessage(data.toString());
    });
    ws.on('pong', () => this.pinger.pong());
    ws.on('error', (err) => {
      if (this.ws !== ws) return;
      let message = err.message;
      if (handshakeStatus !== undefined) message = `CSMS refused the WebSocket handshake with HTTP ${handshakeStatus}`;
      // ws checks the echoed subprotocol itself (OCPP-J 1.6 section 3.2: a missing echo is a failed connection).
      else if (/subprotocol/i.test(err.message))
        message = `CSMS did not agree to subprotocol ${this.options.protocol.subprotocol} (${err.message})`;
      this.failAttempt(message, handshakeStatus);
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.pinger.stop();
      const wasOpen = this.state === 'open';
      if (wasOpen) this.options.logger.warn({ code, reason: reason.toString() }, 'upstream WebSocket closed');
      this.pending?.reject(new UpstreamError('closed', 'CSMS connection closed before the answer arrived'));
      this.ws = undefined;
      if (this.state === 'closed') return;
      if (wasOpen) this.failAttempt(`closed with code ${code}`);
      this.scheduleReconnect();
    });
  }

  private failAttempt(message: string, handshakeStatus?: number): void {
    this.lastError = { message, handshakeStatus, at: new Date().toISOString() };
    if (refusesIdentity(handshakeStatus) && !this.refusal) {
      this.refusal = { status: handshakeStatus, at: this.lastError.at };
      this.options.logger.error(
        { url: this.url, handshakeStatus },
        `the CSMS refuses this charger's identity (HTTP ${handshakeStatus}): its messages are answered 503 and the connection is tried again every ${REFUSED_RETRY_MS / 60_000} minutes`,
      );
      this.options.onRefusal?.(handshakeStatus);
    }
    if (this.state === 'connecting') {
      this.options.logger.warn(
        { url: this.url, handshakeStatus, attempt: this.attempt },
        `upstream connection failed: ${message}`,
      );
      const err = new UpstreamError('unavailable', `CSMS unreachable: ${message}`, handshakeStatus);
      for (const waiter of this.openWaiters) waiter.reject(err);
      this.openWaiters.clear();
      this.state = 'backoff';
    }
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed' || this.reconnectTimer) return;
    this.state = 'backoff';
    const cap = this.refusal
      ? REFUSED_RETRY_MS
      : Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.attempt);
    const delay = cap / 2 + Math.random() * (cap / 2);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // An owner's connection stays closed once the partition is another's: the CSMS could drop the new owner's for it.
      if (this.delivering && !this.mayDeliver()) return void (this.state = 'idle');
      this.reconnects++;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** WebSocketPingInterval (OCPP-J 1.6 section 7): 0 disables; applies at once. */
  setPingInterval(seconds: number): void {
    this.pingIntervalSec = seconds;
    this.pinger.stop();
    if (this.state === 'open') this.pinger.start(this.ws, seconds);
  }

  /** Resolves when open; rejects when an attempt fails or the deadline passes first. */
  private whenOpen(deadline: number): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new UpstreamError('closed', 'gateway is shutting down'));
    if (this.refusal && this.state === 'backoff') {
      return Promise.reject(
        new UpstreamError(
          'unavailable',
          `CSMS refuses this charger (HTTP ${this.refusal.status} on the WebSocket handshake)`,
          this.refusal.status,
        ),
      );
    }
    // A caller arriving during backoff starts an attempt now rather than waiting for the timer: a charger is waiting.
    if (this.state === 'idle' || this.state === 'backoff') {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.connect();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: UpstreamError) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(
        () => {
          this.openWaiters.delete(waiter);
          reject(
            new UpstreamError(
              'timeout',
              `CSMS connection not open within the deadline${this.lastError ? `: ${this.lastError.message}` : ''}`,
            ),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
      this.openWaiters.add(waiter);
    });
  }

  /**
   * Sends a CALL once every earlier CALL was answered or timed out; resolves the CALLRESULT payload, rejects with
   * RpcError (CALLERROR) or UpstreamError (no answer by `deadline`, epoch ms). `wire` gets the texts of both.
   */
  call(action: string, payload: object, deadline: number, wire?: WireTexts): Promise<Record<string, unknown>> {
    const run = async (): Promise<Record<string, unknown>> => {
      if (Date.now() >= deadline)
        throw new UpstreamError('timeout', 'deadline passed while earlier CALLs were outstanding');
      if (!this.mayDeliver()) throw fenced();
      await this.whenOpen(deadline);
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        // Checked in the same step as the write: whatever was awaited before, a CALL goes out only while it may.
        if (!this.mayDeliver()) return reject(fenced());
        this.delivering = true; // an ingress-opened one too: its held frames meet the check (docs/architecture.md#fencing)
        const id = newId();
        const timer = setTimeout(
          () => {
            this.pending = undefined;
            reject(new UpstreamError('timeout', `no answer from the CSMS to ${action} within the deadline`));
          },
          Math.max(0, deadline - Date.now()),
        );
        this.pending = {
          id,
          action,
          timer,
          wire,
          resolve: (p) => {
            clearTimeout(timer);
            this.pending = undefined;
            resolve(p);
          },
          reject: (e) => {
            clearTimeout(timer);
            this.pending = undefined;
            reject(e);
          },
        };
        this.holdWrites();
        this.ws!.send(encodeCall(id, action, payload, wire), (err) => {
          if (err)
            this.pending?.id === id && this.pending.reject(new UpstreamError('closed', `send failed: ${err.message}`));
        });
      });
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private onMessage(text: string): void {
    const decoded = decodeFrame(text);
    if (!decoded.ok) {
      this.options.logger.warn({ code: decoded.code }, `malformed frame from the CSMS: ${decoded.description}`);
      this.ws?.send(encodeError(decoded.messageId, this.options.protocol.errorCode(decoded.code), decoded.description));
      return;
    }
    const frame = decoded.frame;
    if (frame[0] === CALL) {
      void this.answerCall(frame[1], frame[2], frame[3]);
      return;
    }
    const pending = this.pending;
    if (!pending || pending.id !== frame[1]) {
      this.options.logger.warn(
        { messageId: frame[1] },
        'CSMS answered a CALL that is not outstanding (late or unknown): ignored',
      );
      return;
    }
    if (frame[0] === CALLRESULT) pending.resolve(received(pending.wire, frame[2], text));
    else if (frame[0] === CALLERROR) pending.reject(new RpcError(frame[2], frame[3], frame[4]));
  }

  private async answerCall(messageId: string, action: string, payload: Record<string, unknown>): Promise<void> {
    let reply: string;
    let afterReply: (() => void) | undefined;
    try {
      const outcome = await this.options.onCall(action, payload, messageId);
      reply = encodeResult(messageId, outcome.payload);
      afterReply = outcome.afterReply;
    } catch (err) {
      if (err instanceof RpcError)
        reply = encodeError(
          messageId,
          this.options.protocol.errorCode(err.code as RpcErrorCode),
          err.description,
          err.details,
        );
      else {
        this.options.logger.error({ err, action, messageId }, 'CSMS-initiated CALL failed inside the gateway');
        reply = encodeError(
          messageId,
          this.options.protocol.errorCode('InternalError'),
          'gateway failed to process the call',
        );
      }
    }
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.holdWrites();
    this.ws.send(reply, (err) => {
      if (!err) afterReply?.();
    });
  }

  /** Frames of one turn go out in one write; an owner's only while it still may deliver (else dropped with it). */
  private holdWrites(): void {
    holdWritesThisTurn(
      (this.ws as unknown as { _socket?: Writable } | undefined)?._socket,
      () => !this.delivering || this.mayDeliver(),
    );
  }

  /** Closes for good (shutdown): no reconnect, outstanding calls fail. */
  close(): void {
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.pinger.stop();
    for (const waiter of this.openWaiters) waiter.reject(new UpstreamError('closed', 'gateway is shutting down'));
    this.openWaiters.clear();
    this.ws?.close(1001, 'gateway shutting down');
    this.ws?.terminate();
  }

  /** Drops the current socket and reconnects now (operator action or credentials change). */
  reconnect(): void {
    if (this.state === 'closed') return;
    this.ws?.terminate();
    this.ws = undefined;
    this.pinger.stop();
    this.state = 'backoff';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.attempt = 0;
    this.connect();
  }
}
