import type { ChangeConfigurationRequest16, ChangeConfigurationResponse16 } from '../../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import { gatewayKeyName, isGatewayKey } from './gateway-keys.js';

/** AuthorizationKey: 16 to 40 characters (OCPP 2.0.1 passwordString and the 1.6 white paper's 40 hex digits). */
const AUTHORIZATION_KEY = /^[\x21-\x7e]{16,40}$/;

/**
 * docs/translation.md#changeconfiguration. Keys and values go to the charger exactly as typed
 * (docs/charger-quirks.md#q17-configuration-keys-with-odd-spelling); RebootRequired is never produced.
 * The gateway's own keys are answered here: AuthorizationKey becomes the gateway's upstream Basic-auth password for
 * this charger (its value is never logged or returned), WebSocketPingInterval sets the gateway's ping,
 * SupportedFeatureProfiles is read-only.
 */
export const changeConfiguration: CsmsInitiatedOperation<
  ChangeConfigurationRequest16,
  ChangeConfigurationResponse16,
  ChangeConfigurationRequest16,
  ChangeConfigurationResponse16
> = {
  csmsAction: 'ChangeConfiguration',
  chargerAction: 'ChangeConfiguration',
  toSoap: (request) => {
    if (!isGatewayKey(request.key)) return { kind: 'soap', request: { key: request.key, value: request.value } };
    switch (gatewayKeyName(request.key)) {
      case 'AuthorizationKey':
        return AUTHORIZATION_KEY.test(request.value)
          ? {
              kind: 'answer',
              result: { status: 'Accepted' },
              effect: { kind: 'authorizationKey', value: request.value },
            }
          : { kind: 'answer', result: { status: 'Rejected' } };
      case 'WebSocketPingInterval': {
        // OCPP-J 1.6 section 7: 0 disables, > 0 is seconds between pings, negative is Rejected.
        const seconds = /^\d{1,6}$/.test(request.value.trim()) ? Number(request.value.trim()) : -1;
        return seconds < 0
          ? { kind: 'answer', result: { status: 'Rejected' } }
          : { kind: 'answer', result: { status: 'Accepted' }, effect: { kind: 'pingInterval', seconds } };
      }
      case 'SupportedFeatureProfiles':
        return { kind: 'answer', result: { status: 'Rejected' } };
    }
  },
  fromSoap: (response) => ({ status: response.status }),
};
