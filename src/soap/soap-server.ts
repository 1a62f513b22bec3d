import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import express from 'express';
import type { Logger } from '../util/log.js';
import { CentralSystemEndpoint } from './central-system-endpoint.js';
import { ChargePointRelayEndpoint } from './charge-point-relay.js';
import type { ConnectionGuard } from './connection-guard.js';

const NOT_HERE =
  'This is the OCPP SOAP endpoint (POST /CentralSystemService); OCPP-J chargers must connect to the CSMS itself';

/**
 * The charger-facing HTTP server: the SOAP endpoint, the ChargePointService relay for the legacy central system when
 * one is given (docs/architecture.md#migration-routing), and clear answers for everything else
 * (docs/charger-quirks.md#q19-non-soap-traffic-on-the-soap-endpoint).
 */
export function createSoapServer(
  endpoint: CentralSystemEndpoint,
  logger: Logger,
  timeouts: { headersMs: number; requestMs: number },
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer },
  relay?: ChargePointRelayEndpoint,
  guard?: ConnectionGuard,
  /** Another HTTP API on this port (the fleet API, docs/fleet-api.md), when enabled. */
  extra?: { matches(path: string): boolean; handle(req: IncomingMessage, res: ServerResponse): Promise<void> },
): Server {
  // Everything that is not the SOAP endpoint: Express answers it.
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found: the OCPP SOAP endpoint is POST /CentralSystemService\n');
  });
  // The SOAP endpoint is dispatched before Express: on the hot path its router and request decoration cost more
  // than the one path comparison they would do (bench/README.md, CPU profiles). The relay is checked only after it.
  const dispatch = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const handler = CentralSystemEndpoint.matches(path)
      ? endpoint.handle
      : relay && ChargePointRelayEndpoint.matches(path)
        ? relay.handle
        : extra?.matches(path)
          ? extra.handle
          : undefined;
    if (!handler) return app(req, res);
    handler(req, res).catch((err: unknown) => {
      logger.error({ err, path }, 'unexpected error in the SOAP endpoint');
      if (!res.headersSent)
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error in the gateway\n');
      else res.destroy();
    });
  };

  // Slow-loris and idle bounds: headers and the whole request within configured times, idle keep-alive 5 s;
  // checked every second rather than Node's default 30 s.
  const options = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: 1_000,
  };
  // OCPP-S 6.2: HTTPS SHOULD be used, client certificates SHOULD be used; with a client CA, a charger without a valid
  // certificate does not get past the TLS handshake.
  const server: Server = tls
    ? createHttpsServer(
        {
          ...options,
          cert: tls.cert,
          key: tls.key,
          ca: tls.clientCa,
          requestCert: tls.clientCa !== undefined,
          rejectUnauthorized: tls.clientCa !== undefined,
        },
        dispatch,
      )
    : createServer(options, dispatch);
  // A WebSocket upgrade never reaches Express; answer it here, on any path, with a reason
  // (docs/charger-quirks.md#q19-non-soap-traffic-on-the-soap-endpoint).
  server.on('upgrade', (req, socket) => {
    const protocol = req.headers['sec-websocket-protocol'];
    logger.warn(
      { remoteAddress: req.socket.remoteAddress, path: req.url, protocol },
      'WebSocket upgrade refused on the SOAP port',
    );
    const body = `${NOT_HERE}\n`;
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  // A request that broke the rules (malformed, or its headers or body not in within the timeouts: slow-loris) is
  // answered if the socket can still take it and then destroyed: ending it alone would leave the socket, and its
  // descriptor, to a client that never reads.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT';
    if (socket.writable)
      socket.write(`HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
    logger.debug({ err: err.message, code: err.code }, 'HTTP client error: connection closed');
  });
  guard?.attach(server);
  return server;
}
