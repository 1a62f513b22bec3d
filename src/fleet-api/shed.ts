import type { StationMetadata } from '../config/fleet-api.js';
import type { Logger } from '../util/log.js';
import type { RecordsPersistence } from './persistence.js';

/** A command to a charger through the gateway's CSMS-call path (serialised with the CSMS's commands, traced). */
export type ChargerCommand = (
  identity: string,
  action: string,
  payload: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

export interface ShedState {
  mode: 'allowedLoad' | 'percentShed';
  /** kW for allowedLoad, percent for percentShed. */
  value: number;
  /** The configuration value before the shed, restored on clear or at `until`. */
  previous: string;
  until?: number;
}

export interface ShedOutcome {
  code: number;
  text: string;
}

const ok = (text: string): ShedOutcome => ({ code: 100, text });

/**
 * Load shedding by a vendor configuration key of the charger's maximum current (docs/fleet-api.md#load-shedding):
 * the value before the shed is read first (GetConfiguration) and written back on clear or when the shed's time is up.
 * OCPP 1.5 has no charging profiles, so a charger without a configured key cannot be shed: 176, never a pretence.
 */
export class Shedder {
  private readonly sheds = new Map<string, ShedState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private persistence?: RecordsPersistence;

  constructor(
    private readonly stations: (identity: string) => StationMetadata | undefined,
    private readonly command: ChargerCommand,
    private readonly logger: Logger,
    /** Whether commands can be sent at all (the gateway's CSMS-call path exists). */
    private readonly canCommand: () => boolean = () => true,
    private readonly minuteMs = 60_000,
  ) {}

  supports(identity: string): boolean {
    return this.canCommand() && this.stations(identity)?.shed !== undefined;
  }

  state(identity: string): ShedState | undefined {
    return this.sheds.get(identity);
  }

  /** Keeps shed states durably; those stored are armed again (a restart must not leave a charger shed for ever). */
  async persistIn(persistence: RecordsPersistence): Promise<void> {
    this.persistence = persistence;
    for (const [identity, state] of await persistence.load('shed')) {
      this.sheds.set(identity, state as ShedState);
      this.arm(identity, state as ShedState);
    }
  }

  async shed(
    identity: string,
    mode: ShedState['mode'],
    value: number,
    minutes: number,
    now: number,
  ): Promise<ShedOutcome> {
    const config = this.stations(identity)?.shed;
    if (!config || !this.canCommand())
      return { code: 176, text: 'Shedding failed, station does not support allowedLoad feature' };
    const current = this.sheds.get(identity);
    if (current && current.mode !== mode)
      return {
        code: 179,
        text: 'Another type of shed is already in progress. Please restore load and then apply new shed',
      };
    const previous = current?.previous ?? (await this.read(identity, config.key));
    if (typeof previous !== 'string') return previous;
    const amps =
      mode === 'allowedLoad'
        ? Math.floor((value * 1000) / (config.voltage * config.phases))
        : Math.floor((Number(previous) * (100 - value)) / 100);
    if (!Number.isFinite(amps) || amps < 1)
      return { code: 126, text: `Can not shed Load now: ${value} gives no usable current limit for this station` };
    const written = await this.write(identity, config.key, String(amps));
    if (written) return written;
    const state: ShedState = { mode, value, previous, until: minutes > 0 ? now + minutes * this.minuteMs : undefined };
    this.sheds.set(identity, state);
    this.persistence?.put('shed', identity, state);
    this.arm(identity, state);
    return ok(`${config.key} set to ${amps} A (was ${previous})`);
  }

  async restore(identity: string): Promise<ShedOutcome> {
    const state = this.sheds.get(identity);
    const config = this.stations(identity)?.shed;
    if (!state || !config) return ok('Nothing to restore: no shed is in force on this station.');
    const failed = await this.write(identity, config.key, state.previous);
    if (failed) return { code: failed.code === 115 ? 115 : 127, text: `Can not restore Load now: ${failed.text}` };
    clearTimeout(this.timers.get(identity));
    this.timers.delete(identity);
    this.sheds.delete(identity);
    this.persistence?.put('shed', identity, undefined);
    return ok(`${config.key} restored to ${state.previous}`);
  }

  private arm(identity: string, state: ShedState): void {
    clearTimeout(this.timers.get(identity));
    if (state.until === undefined) return;
    const timer = setTimeout(
      () =>
        void this.restore(identity).then((r) => {
          if (r.code !== 100)
            this.logger.warn({ identity, code: r.code, text: r.text }, 'fleet API: shed not restored at its end');
        }),
      Math.max(0, state.until - Date.now()),
    );
    timer.unref();
    this.timers.set(identity, timer);
  }

  /** The key's present value, or the guide's answer why it cannot be read. */
  private async read(identity: string, key: string): Promise<string | ShedOutcome> {
    try {
      const result = await this.command(identity, 'GetConfiguration', { key: [key] });
      const entry = (result.configurationKey as { key: string; value?: string }[] | undefined)?.find(
        (k) => k.key === key,
      );
      if (entry?.value === undefined)
        return { code: 126, text: `Can not shed Load now: the charger has no value for ${key}` };
      return entry.value;
    } catch (err) {
      return unreachable(err);
    }
  }

  /** Writes the key; undefined when the charger accepted, else the guide's answer. */
  private async write(identity: string, key: string, value: string): Promise<ShedOutcome | undefined> {
    try {
      const { status } = await this.command(identity, 'ChangeConfiguration', { key, value });
      if (status === 'Accepted' || status === 'RebootRequired') return undefined;
      return { code: 126, text: `Can not shed Load now: the charger answered ${String(status)} for ${key}` };
    } catch (err) {
      return unreachable(err);
    }
  }
}

function unreachable(err: unknown): ShedOutcome {
  return {
    code: 115,
    text: `Station is unreachable OR maintenance is required at the moment. Please try again later (${(err as Error).message})`,
  };
}
