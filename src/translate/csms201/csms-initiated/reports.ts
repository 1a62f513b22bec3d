import type { ChargerState } from '../../charger-state.js';
import type { ChargerStep, CsmsCallContext, CsmsInitiatedOperation } from '../../csms-operation.js';
import type { FollowUpCall } from '../../operation.js';
import type {
  DeviceModelStatusResponse201,
  GetBaseReportRequest201,
  GetReportRequest201,
  NotifyReportRequest201,
  ReportData201,
} from '../../../ocpp/v201/csms-initiated.js';
import { chargerConfig, inventory, VARIABLES } from './device-model.js';
import { WHOLE_CONFIGURATION } from './variables.js';

/** Report entries per NotifyReport: small messages a CSMS stores as they come (docs/translation-201.md#getbasereport). */
export const REPORT_CHUNK = 20;

/** A report as NotifyReport CALLs: seqNo 0, 1, ... and tbc on all but the last; one empty message for no entries. */
export function notifyReports(requestId: number, generatedAt: string, data: readonly ReportData201[]): FollowUpCall[] {
  const chunks: ReportData201[][] = [];
  for (let i = 0; i < data.length; i += REPORT_CHUNK) chunks.push(data.slice(i, i + REPORT_CHUNK));
  if (chunks.length === 0)
    return [
      {
        action: 'NotifyReport',
        payload: { requestId, generatedAt, seqNo: 0, tbc: false } satisfies NotifyReportRequest201,
      },
    ];
  return chunks.map((reportData, seqNo) => ({
    action: 'NotifyReport',
    payload: {
      requestId,
      generatedAt,
      seqNo,
      tbc: seqNo < chunks.length - 1,
      reportData,
    } satisfies NotifyReportRequest201,
  }));
}

/** What each base report holds (OCPP 2.0.1 B07): writable variables, everything, or availability only. */
function selectBase(reportBase: GetBaseReportRequest201['reportBase'], data: ReportData201[]): ReportData201[] {
  switch (reportBase) {
    case 'ConfigurationInventory':
      return data.filter((d) => d.variableAttribute.some((a) => a.mutability !== 'ReadOnly'));
    case 'SummaryInventory':
      return data.filter((d) => d.variable.name === 'Available' || d.variable.name === 'AvailabilityState');
    case 'FullInventory':
      return data;
  }
}

/**
 * After the CALLRESULT: the charger's whole configuration, then the report as NotifyReport CALLs. A charger that does
 * not answer still gets its report sent, from the gateway's own knowledge: the CSMS waits for the last NotifyReport.
 */
function reportAfter(
  requestId: number,
  state: ChargerState,
  ctx: CsmsCallContext,
  select: (data: ReportData201[]) => ReportData201[],
): ChargerStep<FollowUpCall[]> {
  return {
    chargerAction: 'GetConfiguration',
    request: WHOLE_CONFIGURATION,
    next: (reply) => {
      if (!reply.ok) ctx.notes.push(`report ${requestId} without the charger's configuration: ${reply.failure}`);
      return notifyReports(
        requestId,
        ctx.now,
        select(inventory(state, reply.ok ? chargerConfig(reply.response) : undefined, ctx)),
      );
    },
  };
}

/**
 * docs/translation-201.md#getbasereport: Accepted at once, then NotifyReport built from the charger's GetConfiguration
 * and the gateway's knowledge (identity, boot fields, EVSEs and connectors, mapped variables with their mutability).
 */
export const getBaseReport: CsmsInitiatedOperation<GetBaseReportRequest201, DeviceModelStatusResponse201> = {
  csmsAction: 'GetBaseReport',
  toSoap: (r, state, ctx) => ({
    kind: 'answer',
    result: { status: 'Accepted' },
    after: reportAfter(r.requestId, state, ctx, (data) => selectBase(r.reportBase, data)),
  }),
  fromSoap: () => {
    throw new Error('GetBaseReport is answered by the gateway');
  },
};

type Wanted = NonNullable<GetReportRequest201['componentVariable']>[number];

/** Whether a report entry is one the CSMS asked for: component name (and EVSE, instance when given), variable when given. */
function matches(d: ReportData201, w: Wanted): boolean {
  if (d.component.name !== w.component.name || d.component.instance !== w.component.instance) return false;
  if (
    w.component.evse &&
    (d.component.evse?.id !== w.component.evse.id ||
      (w.component.evse.connectorId !== undefined && d.component.evse?.connectorId !== w.component.evse.connectorId))
  )
    return false;
  return !w.variable || (d.variable.name === w.variable.name && d.variable.instance === w.variable.instance);
}

/**
 * docs/translation-201.md#getreport: the entries of the inventory the CSMS names. Criteria (Active, Available,
 * Enabled, Problem) cannot be evaluated for a 1.5 charger: NotSupported. Nothing of what is named exists in the table:
 * EmptyResultSet, decided before the CALLRESULT as 2.0.1 wants.
 */
export const getReport: CsmsInitiatedOperation<GetReportRequest201, DeviceModelStatusResponse201> = {
  csmsAction: 'GetReport',
  toSoap: (r, state, ctx) => {
    if (r.componentCriteria)
      return { kind: 'answer', result: { status: 'NotSupported', statusInfo: { reasonCode: 'NoCriteria' } } };
    const wanted = r.componentVariable;
    if (
      wanted &&
      !wanted.some((w) =>
        VARIABLES.some((v) => v.component === w.component.name && (!w.variable || v.variable === w.variable.name)),
      )
    ) {
      return { kind: 'answer', result: { status: 'EmptyResultSet' } };
    }
    const select = (data: ReportData201[]) => (wanted ? data.filter((d) => wanted.some((w) => matches(d, w))) : data);
    return { kind: 'answer', result: { status: 'Accepted' }, after: reportAfter(r.requestId, state, ctx, select) };
  },
  fromSoap: () => {
    throw new Error('GetReport is answered by the gateway');
  },
};
