import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { ChangeAvailabilityRequest16, ChangeAvailabilityResponse16 } from '../../../ocpp/v16/types.js';
import type { ChangeAvailabilityRequest201, StatusResponse201 } from '../../../ocpp/v201/csms-initiated.js';

/**
 * docs/translation-201.md#changeavailability: no EVSE is the whole station (1.5 connector 0), EVSE N is connector N;
 * a connector other than 1 does not exist behind a 1.5 charger.
 */
export const changeAvailability: CsmsInitiatedOperation<
  ChangeAvailabilityRequest201,
  StatusResponse201<'Accepted' | 'Rejected' | 'Scheduled'>,
  ChangeAvailabilityRequest16,
  ChangeAvailabilityResponse16
> = {
  csmsAction: 'ChangeAvailability',
  chargerAction: 'ChangeAvailability',
  toSoap: (r) => {
    if (r.evse && (r.evse.id < 0 || (r.evse.connectorId !== undefined && r.evse.connectorId !== 1)))
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownConnector' } } };
    return { kind: 'soap', request: { connectorId: r.evse?.id ?? 0, type: r.operationalStatus } };
  },
  fromSoap: (response) => ({ status: response.status }),
};
