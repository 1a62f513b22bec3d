/** Who made an operator change on the admin port, and why. */
export interface Actor {
  /** The admin session's tag, "bearer token" or "open admin port" (never the token or the session id). */
  who: string;
  address: string;
  reason?: string;
}

/**
 * What approving or rejecting a pending charger does (docs/operations.md#onboarding-chargers). The admin API calls
 * only this, so that another keeping of charger records can take its place where the gateway wires it.
 */
export interface ChargerApprovals {
  /** Serves the identity from its next message on every instance; settings as under chargers.<identity>. */
  approve(identity: string, settings: Record<string, unknown> | undefined, actor: Actor): Promise<void>;
  /** Keeps refusing the identity without listing it again, until the rejection is cleared. */
  reject(identity: string, actor: Actor): Promise<void>;
  /** After the approval's decision is withdrawn: whatever else the approval gave the charger is taken back. */
  revoke?(identity: string, actor: Actor): Promise<void>;
}
