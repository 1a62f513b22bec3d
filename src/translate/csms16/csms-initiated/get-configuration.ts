import { clamp, defined } from '../../field-rules.js';
import type { GetConfigurationRequest16, GetConfigurationResponse16, KeyValue16 } from '../../../ocpp/v16/types.js';
import type { CsmsCallContext, CsmsInitiatedOperation } from '../../csms-operation.js';
import { GATEWAY_KEYS, gatewayKeyName, isGatewayKey } from './gateway-keys.js';

/** The gateway's own keys as GetConfiguration reports them; never the AuthorizationKey value (OCPP-J 1.6 6.2.2). */
function gatewayKeyValues(ctx: CsmsCallContext, keys: readonly string[]): KeyValue16[] {
  return keys.map((key): KeyValue16 => {
    switch (gatewayKeyName(key)) {
      case 'AuthorizationKey':
        return { key: 'AuthorizationKey', readonly: false };
      case 'WebSocketPingInterval':
        return { key: 'WebSocketPingInterval', readonly: false, value: String(ctx.gatewayKeys.webSocketPingInterval) };
      default:
        return { key: 'SupportedFeatureProfiles', readonly: true, value: ctx.gatewayKeys.supportedFeatureProfiles };
    }
  });
}

/**
 * docs/translation.md#getconfiguration. Requested keys go to the charger untouched
 * (docs/charger-quirks.md#q17-configuration-keys-with-odd-spelling) except the gateway's own, which are answered from
 * the gateway and merged in; a request for gateway keys only never reaches the charger. key <= 50 and value <= 500
 * are 1.6 limits: longer charger values are truncated and noted.
 */
export const getConfiguration: CsmsInitiatedOperation<
  GetConfigurationRequest16,
  GetConfigurationResponse16,
  GetConfigurationRequest16,
  GetConfigurationResponse16
> = {
  csmsAction: 'GetConfiguration',
  chargerAction: 'GetConfiguration',
  toSoap: (request, _state, ctx) => {
    const requested = request.key ?? [];
    const chargerKeys = requested.filter((k) => !isGatewayKey(k));
    if (requested.length > 0 && chargerKeys.length === 0) {
      return { kind: 'answer', result: { configurationKey: gatewayKeyValues(ctx, requested) } };
    }
    return { kind: 'soap', request: { key: chargerKeys } };
  },
  fromSoap: (response, request, ctx) => {
    const requested = request.key ?? [];
    const own =
      requested.length === 0
        ? gatewayKeyValues(ctx, GATEWAY_KEYS)
        : gatewayKeyValues(ctx, requested.filter(isGatewayKey));
    const fromCharger = (response.configurationKey ?? [])
      .filter((kv) => !isGatewayKey(kv.key))
      .map((kv) =>
        defined({
          key: clamp(kv.key, 50, 'configurationKey.key', ctx)!,
          readonly: kv.readonly,
          value: clamp(kv.value, 500, `value of ${kv.key}`, ctx),
        }),
      );
    const unknownKey = (response.unknownKey ?? []).map((k) => clamp(k, 50, 'unknownKey', ctx)!);
    return defined({
      configurationKey: [...fromCharger, ...own],
      unknownKey: unknownKey.length > 0 ? unknownKey : undefined,
    });
  },
};
