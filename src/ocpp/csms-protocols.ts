import type { CsmsProtocol, CsmsProtocolModule } from './protocols.js';
import { ocpp16 } from './v16/protocol.js';
import { ocpp201 } from './v201/protocol.js';

/** The OCPP-J protocol modules by name; a version without one here cannot be configured. */
const MODULES: Partial<Record<CsmsProtocol, CsmsProtocolModule>> = { 'ocpp1.6': ocpp16, 'ocpp2.0.1': ocpp201 };

export function csmsProtocolModule(id: CsmsProtocol): CsmsProtocolModule | undefined {
  return MODULES[id];
}
