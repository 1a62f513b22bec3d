import { byName, textOf } from './request.js';
import type { Method, MethodContext } from './context.js';
import { ApiAnswer, invalid, isV5, mandatory, page, positiveInt, queryOf, stationIdField } from './context.js';
import type { Station } from './stations.js';
import { type Field, OK_TEXT, answer, isoSeconds } from './wire.js';

/** Station records per page on 5.x paths; a fleet that fits is answered in one page (docs/fleet-api.md#paging). */
const STATION_PAGE = 500;

/** The caller's stations narrowed by the search fields the gateway can honour; 102 when none is left. */
async function findStations(ctx: MethodContext): Promise<Station[]> {
  const q = queryOf(ctx);
  const stationId = stationIdField(q);
  const ids = byName(q, 'stationIDs')
    ?.children.filter((c) => c.name === 'stationID')
    .map((c) => c.text.trim());
  if (stationId && ids?.length) throw invalid('stationID,stationIDs');
  for (const id of ids ?? []) if (!/^\d+:\d+$/.test(id)) throw new ApiAnswer(152, 'StationId is not in correct format');
  const sgId = positiveInt(q, 'sgID');
  const text = (name: string) => textOf(q, name)?.toLowerCase();
  const model = text('stationModel');
  const vendor = text('stationManufacturer');
  const serial = text('serialNumber');
  const name = text('stationName');
  const found = (await ctx.stations()).filter(
    (s) =>
      (!stationId || s.stationId === stationId) &&
      (!ids?.length || ids.includes(s.stationId)) &&
      (!sgId || s.groups.some((g) => g.id === sgId)) &&
      (!model || s.model?.toLowerCase() === model) &&
      (!vendor || s.vendor?.toLowerCase() === vendor) &&
      (!serial || s.serial?.toLowerCase() === serial) &&
      (!name || nameOf(s).toLowerCase().includes(name)),
  );
  if (found.length === 0) throw new ApiAnswer(102, 'No station found for given criteria');
  return found;
}

export const nameOf = (s: Station): string => s.meta.name ?? s.identity;

const geo = (s: Station): Field['1'] =>
  s.meta.lat !== undefined && s.meta.long !== undefined
    ? [
        ['Lat', s.meta.lat],
        ['Long', s.meta.long],
      ]
    : undefined;

export function orgId(ctx: MethodContext): string {
  return `${ctx.fleet.cpnId}:${ctx.fleet.orgId}`;
}

export function stationRecord(ctx: MethodContext, s: Station): Field[] {
  const ports: Field[] = s.ports.map((p) => [
    'Port',
    [
      ['portNumber', p.portNumber],
      ['stationName', nameOf(s)],
      ['Geo', geo(s)],
      ['Status', p.status],
      ['TimeStamp', s.lastContact === undefined ? undefined : isoSeconds(s.lastContact)],
    ],
  ]);
  const v5 = isV5(ctx);
  return [
    ['stationID', s.stationId],
    ['stationManufacturer', s.vendor],
    ['stationModel', s.model],
    ['stationSerialNum', s.serial],
    ['Address', s.meta.address],
    ['City', s.meta.city],
    ['State', s.meta.state],
    ['Country', s.meta.country],
    ['postalCode', s.meta.postalCode],
    ...ports,
    ['numPorts', s.ports.length],
    ['orgID', orgId(ctx)],
    [v5 ? 'organizationName' : 'orgName', ctx.fleet.orgName],
    ['sgID', s.groups.map((g) => g.id).join(', ') || undefined],
    ['sgName', s.groups.map((g) => g.name).join(', ') || undefined],
  ];
}

const stationList =
  (record: 'stationData') =>
  async (ctx: MethodContext): Promise<Field[]> => {
    const all = await findStations(ctx);
    const { items, more } = isV5(ctx)
      ? page(all, positiveInt(queryOf(ctx), 'startRecord'), STATION_PAGE)
      : { items: all, more: false };
    const rows: Field[] = items.map((s) => [record, stationRecord(ctx, s)]);
    return answer(100, OK_TEXT, [...rows, ['moreFlag', isV5(ctx) ? (more ? 1 : 0) : undefined]]);
  };

const statusList =
  (record: 'stationData' | 'stationStatusData', paged: boolean) =>
  async (ctx: MethodContext): Promise<Field[]> => {
    const all = await findStations(ctx);
    const { items, more } = paged
      ? page(all, positiveInt(queryOf(ctx), 'startRecord'), STATION_PAGE)
      : { items: all, more: false };
    const rows: Field[] = items.map((s) => [
      record,
      [
        ['stationID', s.stationId],
        ...s.ports.map(
          (p): Field => [
            'Port',
            [
              ['portNumber', p.portNumber],
              ['Status', p.status],
              ['TimeStamp', s.lastContact === undefined ? undefined : isoSeconds(s.lastContact)],
            ],
          ],
        ),
      ],
    ]);
    return answer(100, OK_TEXT, [...rows, ['moreFlag', paged ? (more ? 1 : 0) : undefined]]);
  };

/** The key's groups, or the one asked for (120 when it is not one of them). */
export function grantedGroups(ctx: MethodContext, sgId: number | undefined): MethodContext['fleet']['groups'] {
  const groups = ctx.fleet.groups.filter((g) => ctx.key.groups.includes(g.id));
  if (sgId === undefined) return groups;
  const group = groups.find((g) => g.id === sgId);
  if (!group) throw new ApiAnswer(120, 'No station group found');
  return [group];
}

async function groupStations(ctx: MethodContext, groupId: number): Promise<Station[]> {
  return (await ctx.stations()).filter((s) => s.groups.some((g) => g.id === groupId));
}

const getStationGroups: Method = async (ctx) => {
  const groups = grantedGroups(ctx, undefined);
  if (groups.length === 0) throw new ApiAnswer(120, 'No station group found');
  const rows: Field[] = [];
  for (const g of groups) {
    const stations = await groupStations(ctx, g.id);
    rows.push([
      'groupData',
      [
        ['sgID', g.id],
        ['orgID', orgId(ctx)],
        ['sgName', g.name],
        ['organizationName', ctx.fleet.orgName],
        ...stations.map(
          (s): Field => [
            'stationData',
            [
              ['stationID', s.stationId],
              ['Geo', geo(s)],
            ],
          ],
        ),
      ],
    ]);
  }
  return answer(100, OK_TEXT, rows);
};

const getStationGroupDetails: Method = async (ctx) => {
  const q = queryOf(ctx);
  if (textOf(q, 'sgID') === undefined) throw mandatory('sgID');
  const [group] = grantedGroups(ctx, positiveInt(q, 'sgID'));
  const stationId = stationIdField(q);
  const stations = (await groupStations(ctx, group!.id)).filter((s) => !stationId || s.stationId === stationId);
  if (stations.length === 0) throw new ApiAnswer(122, 'No station found in this station group');
  return answer(100, OK_TEXT, [
    ['groupName', group!.name],
    ['numStations', stations.length],
    ...stations.map(
      (s): Field => [
        'stationData',
        [
          ['stationID', s.stationId],
          ['stationName', nameOf(s)],
          ['Address', s.meta.address],
        ],
      ],
    ),
  ]);
};

const getOrgsAndStationGroups: Method = (ctx) => {
  const groups = grantedGroups(ctx, positiveInt(queryOf(ctx), 'sgID'));
  if (groups.length === 0) throw new ApiAnswer(156, 'Custom Groups not found');
  const v5 = isV5(ctx);
  const sgData = groups.map(
    (g): Field => [
      'sgData',
      [
        ['sgID', g.id],
        ['sgName', g.name],
        ['parentGroupID', v5 ? 0 : undefined],
      ],
    ],
  );
  const org: Field = [
    'orgData',
    [['orgID', orgId(ctx)], [v5 ? 'organizationName' : 'orgName', ctx.fleet.orgName], ...sgData],
  ];
  return answer(100, OK_TEXT, v5 ? [org] : [['orgAndSgData', [org]]]);
};

/** One rights level per key: every station of its groups under the profile "network_manager" (read-mostly here). */
const getStationRights: Method = async (ctx) => {
  const stations = await findStations(ctx);
  const rows: Field[] = grantedGroups(ctx, undefined).map((g) => [
    isV5(ctx) ? 'rightsData' : 'groupData',
    [
      ['sgID', g.id],
      ['sgName', g.name],
      ['stationRightsProfile', 'network_manager'],
      ...stations
        .filter((s) => s.groups.some((sg) => sg.id === g.id))
        .map(
          (s): Field => [
            'stationData',
            [
              ['stationID', s.stationId],
              ['stationName', nameOf(s)],
              ['stationSerialNum', s.serial],
            ],
          ],
        ),
    ],
  ]);
  return answer(100, OK_TEXT, [...rows, ['moreFlag', isV5(ctx) ? 0 : undefined]]);
};

const TASKS: [string, string][] = [
  ['View stations', 'station list, status and load'],
  ['View sessions', 'charging sessions and their 15-minute data'],
  ['Manage alarms', 'list alarms and clear them in the gateway'],
];

const getStationRightsProfile: Method = (ctx) => {
  const sgId = positiveInt(queryOf(ctx), 'sgID');
  if (sgId !== undefined) grantedGroups(ctx, sgId);
  return answer(
    100,
    OK_TEXT,
    TASKS.map(
      ([task, description]): Field => [
        'taskList',
        [
          ['Task', task],
          ['Description', description],
        ],
      ],
    ),
  );
};

const getCPNInstances: Method = (ctx) => [
  [
    'CPN',
    [
      ['cpnID', ctx.fleet.cpnId],
      ['cpnName', ctx.fleet.cpnName],
      ['cpnDescription', `${ctx.fleet.orgName}, served by the OCPP SOAP gateway`],
    ],
  ],
];

export const STATION_METHODS: Record<string, Method> = {
  getCPNInstances,
  getStations: stationList('stationData'),
  getPublicStations: stationList('stationData'),
  getStationStatus: statusList('stationData', true),
  getPublicStationStatus: statusList('stationStatusData', false),
  getStationGroups,
  getStationGroupDetails,
  getOrgsAndStationGroups,
  getStationRights,
  getStationRightsProfile,
};

export { findStations };
