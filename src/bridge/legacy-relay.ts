import type { GatewayConfig } from '../config/config.js';
import { faultOf } from '../ocpp/soap-fault.js';
import { SoapCallError } from '../soap/soap-call-error.js';
import type { SoapClient } from '../soap/soap-client.js';
import { relayFaultOf, type RelayAnswer, type RelayCall, type RelaySink } from '../soap/charge-point-relay.js';
import type { MigrationStore } from '../state/migration-store.js';
import type { ChargerRegistry } from '../state/registry.js';
import { commandsAllowed } from '../translate/routing.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { Logger } from '../util/log.js';
import type { RouteName } from '../config/migration.js';

/**
 * Relays the legacy system's calls to the charger's real callback URL (docs/architecture.md#migration-routing), when
 * the charger's route lets the legacy system command it; the charger's answer, or its Fault, goes back as it is. Calls
 * to one charger go one at a time.
 */
export class LegacyRelay implements RelaySink {
  private readonly perCharger = new KeyedSerialiser();

  constructor(
    private readonly config: Pick<GatewayConfig, 'chargers' | 'chargerTimeoutMs' | 'publicUrl'>,
    private readonly registry: Pick<ChargerRegistry, 'contacts'>,
    private readonly store: MigrationStore,
    private readonly routeOf: (identity: string) => RouteName,
    private readonly client: SoapClient,
    private readonly logger: Logger,
  ) {}

  async relay(call: RelayCall): Promise<RelayAnswer> {
    const log = this.logger.child({ chargeBoxIdentity: call.identity, operation: call.operation, from: 'legacy' });
    const allowed = commandsAllowed(
      'legacy',
      call.identity,
      this.routeOf(call.identity),
      await this.store.routing(call.identity),
      this.config.chargers[call.identity]?.shadowCommands ?? 'refuse',
      { operation: call.operation, transactionId: (call.request as { transactionId?: number }).transactionId },
    );
    if (!allowed.ok) {
      log.warn(`legacy system's ${call.operation} refused: ${allowed.reason}`);
      return { kind: 'fault', fault: faultOf('SecurityError', allowed.reason) };
    }
    const contact = await this.registry.contacts.contact(call.identity);
    const callbackUrl = this.config.chargers[call.identity]?.callbackUrl ?? contact?.callbackUrl;
    if (!callbackUrl)
      return {
        kind: 'fault',
        fault: faultOf(
          'InternalError',
          `no callback URL known for charger ${call.identity}: it has not sent a usable wsa:From yet (set chargers.${call.identity}.callbackUrl)`,
        ),
      };
    // A charger's legacy system spoke the charger's own dialect before the gateway came between them
    // (docs/architecture.md#migration-routing): calls in another one are not translated between dialects.
    const spoken = this.config.chargers[call.identity]?.dialect ?? contact?.dialect;
    if (spoken && spoken !== call.dialect)
      return {
        kind: 'fault',
        fault: faultOf(
          'NotSupported',
          `charger ${call.identity} speaks ${spoken}, this call is ${call.dialect}: the relay passes calls in the charger's own dialect`,
        ),
      };
    const to = { identity: call.identity, dialect: call.dialect, url: callbackUrl };
    let answer: RelayAnswer = {
      kind: 'fault',
      fault: faultOf('InternalError', 'the gateway failed to relay the call'),
    };
    await this.perCharger.run(call.identity, async () => {
      try {
        const body = await this.client.call(to, call.operation, call.request, {
          timeoutMs: this.config.chargerTimeoutMs,
          from: this.config.publicUrl,
        });
        log.info(`legacy system's ${call.operation} relayed to the charger`);
        answer = { kind: 'response', body };
      } catch (err) {
        if (err instanceof SoapCallError)
          log.warn(
            { detail: err.detail },
            `legacy system's ${call.operation} could not reach the charger: ${err.message}`,
          );
        else log.error({ err }, `relaying the legacy system's ${call.operation} failed inside the gateway`);
        answer = { kind: 'fault', fault: relayFaultOf(err) };
      }
    });
    return answer;
  }
}
