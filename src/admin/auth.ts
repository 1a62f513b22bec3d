import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
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

  constructor(
    private readonly token: string | undefined,
    private readonly secure: boolean,
  ) {}

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
    const header = req.headers.authorization ?? '';
    if ((header.startsWith('Bearer ') && this.valid(header.slice(7))) || this.hasSession(req)) return next();
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
