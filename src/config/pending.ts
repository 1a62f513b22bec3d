import * as s from '../util/schema.js';

/**
 * Pending chargers (docs/operations.md#onboarding-chargers): with `admission: approve`, identities that knock without
 * being listed are refused and remembered for an operator to approve or reject, within a bound.
 */
export const pendingKeys = {
  /**
   * Pending identities remembered at most; beyond, the one heard least recently is forgotten (and counted), so that
   * invented identities cannot fill memory or the store. Also the bound on remembered rejections.
   */
  pendingMax: s.numeric().int().min(1).max(100_000).default(1_000),
};

export const PENDING_ENV_KEYS = {
  PENDING_MAX: 'pendingMax',
} as const;
