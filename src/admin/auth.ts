import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AuthThrottle } from '../util/auth-throttle.js';
import { isLoopback, plainAddress } from '../util/net.js';

/** How long a dashboard session lasts. */
const SESSION_MS = 12 * 3_600_000;
const COOKIE = 'ocppgw_session';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may use the admin port (README.md, "Security"): a Bearer token for scripts and Prometheus, and for browsers a
 * session: the token is given once (the dashboard's login form, or ?token= on the dashboard's entry URL, which
 * redirects at once to the same URL without it) and exchanged for a random session id in an HttpOnly, SameSite=Strict
 * cookie that expires. The token itself is never kept in a cookie, in the browser's storage or in a link.
 */
export class AdminAuth {
  private readonly sessions = new Map<string, number>();
  /** Wrong tokens per address (login form and Bearer alike): 10 a minute, then 429 (docs/architecture.md#throttling). */
  private readonly throttle = new AuthThrottle(10, 60_000);

  constructor(
    private readonly token: string | undefined,
    private readonly secure: boolean,
    /** A wrong token was given (counted in ocppgw_admin_auth_failures_total). */
    private readonly onFailure: (address: string, via: 'login' | 'bearer') => void = () => undefined,
  ) {}

  /** Answers 429 when the caller's address gave too many wrong tokens; true when it did. */
  throttled(req: Request, res: Response): boolean {
    const retryAfter = this.throttle.retryAfter(addressOf(req));
    if (retryAfter === undefined) return false;
    res
      .status(429)
      .set('Retry-After', String(retryAfter))
      .json({ error: `too many wrong admin tokens from this address; retry in ${retryAfter} s` });
    return true;
  }

  /** Counts a wrong token of the caller's address. */
  failed(req: Request, via: 'login' | 'bearer'): void {
    this.throttle.fail(addressOf(req));
    this.onFailure(addressOf(req), via);
  }

  get required(): boolean {
    return this.token !== undefined;
  }

  valid(given: string | undefined): boolean {
    return this.token === undefined || (given !== undefined && given !== '' && sameSecret(given, this.token));
  }

  /** Starts a session for a browser that gave the right token. */
  startSession(res: Response): void {
    const now = Date.now();
    for (const [id, until] of this.sessions) if (until <= now) this.sessions.delete(id);
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, now + SESSION_MS);
    res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: this.secure, path: '/', maxAge: SESSION_MS });
  }

  endSession(req: Request, res: Response): void {
    const id = sessionOf(req);
    if (id) this.sessions.delete(id);
    res.clearCookie(COOKIE, { path: '/' });
  }

  private hasSession(req: Request): boolean {
    const id = sessionOf(req);
    const until = id === undefined ? undefined : this.sessions.get(id);
    if (until === undefined || until <= Date.now()) return false;
    return true;
  }

  /** Every data route: a Bearer token or a live session. */
  readonly require = (req: Request, res: Response, next: NextFunction): void => {
    if (!this.required) return next();
    if (this.throttled(req, res)) return;
    const header = req.headers.authorization ?? '';
    const bearer = header.startsWith('Bearer ');
    if ((bearer && this.valid(header.slice(7))) || this.hasSession(req)) return next();
    if (bearer) this.failed(req, 'bearer');
    res.status(401).set('WWW-Authenticate', 'Bearer').json({
      error: 'missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>, or log in on the dashboard)',
    });
  };

  /** The dashboard's entry URL with ?token=: a session for the right token, then the same URL without it. */
  readonly entry = (req: Request, res: Response, next: NextFunction): void => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (token === undefined) return next();
    if (this.valid(token)) this.startSession(res);
    res.redirect(303, req.baseUrl + req.path);
  };
}

const addressOf = (req: Request): string => plainAddress(req.socket.remoteAddress ?? 'unknown');

/**
 * Writes come from the admin port's own pages or from scripts, never from another site's page
 * (docs/architecture.md#the-admin-port): any request but GET and HEAD whose Origin is not this port's own origin, or
 * whose Sec-Fetch-Site is not same-origin, is refused (a page on another port of the same host is another origin),
 * token or not; and a write to /api must be JSON (an HTML form can send only form encodings and text/plain).
 */
export function writeGuard(secure: boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const origin = req.headers.origin;
    const own = `${secure ? 'https' : 'http'}://${(req.headers.host ?? '').toLowerCase()}`;
    const site = req.headers['sec-fetch-site'];
    if ((origin !== undefined && origin.toLowerCase() !== own) || (site !== undefined && site !== 'same-origin')) {
      res
        .status(403)
        .json({ error: `cross-origin ${req.method} refused: the admin port takes writes from its own pages` });
      return;
    }
    const type = req.headers['content-type'];
    // The fleet import also takes CSV: a type no HTML form can send, so the reasoning above holds for it too.
    const csv = req.path === '/api/chargers/import' && type !== undefined && /^text\/csv\s*(;|$)/i.test(type);
    if (req.path.startsWith('/api/') && type !== undefined && !csv && !/^application\/json\s*(;|$)/i.test(type)) {
      res.status(415).json({ error: 'writes to /api take application/json only (the fleet import also text/csv)' });
      return;
    }
    next();
  };
}

/** Errors of the admin port (a body that is not JSON, one too large) as one JSON line: never a stack trace. */
export function adminErrors(logger: { warn(o: object, m: string): void }) {
  return (err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction): void => {
    const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
    const message =
      err.type === 'entity.parse.failed'
        ? 'request body is not valid JSON'
        : err.type === 'entity.too.large'
          ? 'request body too large'
          : status < 500
            ? 'bad request'
            : 'internal error in the gateway';
    if (status >= 500) logger.warn({ err: err.message, path: req.path }, 'admin port: unexpected error');
    if (res.headersSent) return void res.end();
    res.status(status).json({ error: message });
  };
}

/**
 * Who made a request, for the audit trail and the logs of operator changes: the dashboard session (a short digest of
 * its id, never the id), the Bearer token (never its value), or the open admin port; and the caller's address.
 */
export function adminActor(req: Request): { who: string; address: string } {
  const session = sessionOf(req);
  const who = session
    ? `session:${createHash('sha256').update(session).digest('hex').slice(0, 8)}`
    : /^Bearer /i.test(req.headers.authorization ?? '')
      ? 'bearer token'
      : 'open admin port';
  return { who, address: addressOf(req) };
}

/** adminActor as one string, `who@address`, as audit records keep it. */
export function actorOf(req: Request): string {
  const { who, address } = adminActor(req);
  return `${who}@${address}`;
}

function sessionOf(req: Request): string | undefined {
  return new RegExp(`(?:^|;\\s*)${COOKIE}=([0-9a-f]{64})(?:;|$)`).exec(req.headers.cookie ?? '')?.[1];
}

/** The dashboard's own pages and scripts only: no inline code, no frames, no foreign connections. */
const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** The queue board (Bull Board) is built with inline scripts and styles; frames and foreign hosts stay refused. */
const BOARD_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** On every admin response: no framing, no MIME sniffing, no referrer, and a content security policy. */
export function securityHeaders(boardPath: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.set({
      'Content-Security-Policy': boardPath && req.path.startsWith(boardPath) ? BOARD_CSP : STRICT_CSP,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    next();
  };
}

/**
 * The Host header must be a loopback name or one of ADMIN_ALLOWED_HOSTS: a page on another site that rebinds its DNS
 * name to 127.0.0.1 cannot use the admin port from a victim's browser. Health checks are exempt (they reveal nothing).
 */
export function checkHost(allowed: readonly string[]) {
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === '/health' || req.path === '/ready') return next();
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    const name = plainAddress(host);
    if (name === 'localhost' || isLoopback(name) || names.has(host) || names.has(name)) return next();
    res.status(421).json({
      error: `Host ${host || '(none)'} is not one this admin port answers to: use a loopback name, or list it in ADMIN_ALLOWED_HOSTS`,
    });
  };
}
