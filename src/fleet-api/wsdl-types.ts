import type { ApiVersion } from './context.js';
import { NOT_SUPPORTED_METHODS } from './unsupported.js';

/**
 * The element trees of the served operations, for the WSDLs the gateway writes itself
 * (docs/fleet-api.md#wsdl): names and sequence order as the answers are written, every element optional unless
 * marked `!`, `*` for a repeated one, `:int` / `:long` / `:double` / `:dateTime` for a type other than string.
 */
export type Shape = string | readonly [string, readonly Shape[]];

const common: Shape[] = ['responseCode!', 'responseText!'];
const geo: Shape = ['Geo', ['Lat:double', 'Long:double']];
const searchQuery: Shape = [
  'searchQuery',
  [
    'stationID',
    ['stationIDs', ['stationID*']],
    'stationManufacturer',
    'stationModel',
    'stationName',
    'serialNumber',
    'sgID',
    'sessionID:long',
    'portNumber:int',
    'fromTimeStamp:dateTime',
    'toTimeStamp:dateTime',
    'startTime:dateTime',
    'endTime:dateTime',
    'alarmType',
    'clearReason',
    'startRecord:int',
    'numStations:int',
    'numTransactions:int',
  ],
];
const port: Shape = ['Port*', ['portNumber:int', 'stationName', geo, 'Status', 'TimeStamp:dateTime']];
const station = (v5: boolean): Shape[] => [
  'stationID!',
  'stationManufacturer',
  'stationModel',
  'stationSerialNum',
  'Address',
  'City',
  'State',
  'Country',
  'postalCode',
  port,
  'numPorts:int',
  'orgID!',
  v5 ? 'organizationName!' : 'orgName!',
  'sgID',
  'sgName',
];
const statusRecord: Shape[] = ['stationID!', ['Port*', ['portNumber:int', 'Status', 'TimeStamp:dateTime']]];
const session = (v5: boolean): Shape[] => [
  'stationID',
  'stationName',
  'portNumber:int',
  'Address',
  'City',
  'State',
  'Country',
  'postalCode',
  'sessionID:long',
  'Energy:double',
  'startTime:dateTime',
  'endTime:dateTime',
  'recordNumber:int',
  v5 ? 'credentialID' : 'rfidSerialNumber',
];
const alarm = (v5: boolean): Shape[] => [
  v5 ? 'stationID' : 'StationID',
  'stationName',
  'sgID',
  v5 ? 'stationModel' : 'stationModelNum',
  'orgID',
  v5 ? 'organizationName' : 'orgName',
  'stationManufacturer',
  'stationSerialNum',
  'portNumber:int',
  'alarmType',
  'alarmTime:dateTime',
  'recordNumber:int',
];
const loadStation = (v5: boolean): Shape[] =>
  v5
    ? [
        'stationID',
        'stationName',
        'Address',
        'stationLoad:double',
        ['Port*', ['portNumber:int', 'shedState:int', 'portLoad:double', 'allowedLoad:double', 'percentShed:int']],
      ]
    : [
        'stationID',
        'stationName',
        'Address',
        'shedState:int',
        'stationLoad:double',
        'allowedLoad:double',
        'percentShed:int',
      ];
const sgData = (v5: boolean): Shape => ['sgData*', ['sgID:int', 'sgName', ...(v5 ? ['parentGroupID:int'] : [])]];
const orgData = (v5: boolean): Shape => ['orgData*', ['orgID', v5 ? 'organizationName' : 'orgName', sgData(v5)]];
/** Request fields of the 4.1 shapes that sit directly under the operation (the 5.x ones sit in searchQuery). */
const flat41: Shape[] = [
  'sgID',
  'stationID',
  'orgID',
  'orgName',
  'startTime:dateTime',
  'endTime:dateTime',
  'portNumber:int',
  'alarmType',
  'clearReason',
];
const shed = (v5: boolean): Shape[] =>
  v5
    ? [
        [
          'shedQuery',
          [
            ['shedGroup', ['sgID:int', 'allowedLoadPerStation:double', 'percentShedPerStation:int']],
            ['shedStation', ['stationID', 'allowedLoadPerStation:double', 'percentShedPerStation:int']],
            'timeInterval:int',
          ],
        ],
      ]
    : [
        ['sgData', ['sgID:int', 'stationID']],
        ['sgLoadData', ['allowedLoad:double', 'percentShed:int']],
        'timeInterval:int',
      ];
const clearShed = (v5: boolean): Shape[] =>
  v5
    ? [
        [
          'shedQuery',
          [
            ['shedGroup', ['sgID:int']],
            ['shedStation', ['stationID']],
          ],
        ],
      ]
    : ['sgID', 'stationID'];

type Shapes = Record<string, { request: Shape[]; response: Shape[] }>;
const coded = (...rest: Shape[]) => [...common, ...rest];

/** Request and response children per operation, for the version's WSDL. */
export function operationShapes(version: ApiVersion): Shapes {
  const v5 = version !== '4.1';
  const ops: Shapes = { ...stationShapes(v5), ...usageShapes(v5) };
  // Answered with a guide code only (docs/fleet-api.md#what-is-not-backed): a generic request, the common answer.
  const reservation: Shape[] = [
    'stationID',
    'portNumber:int',
    'startTime:dateTime',
    'Duration:int',
    'serialNumber',
    'accountHandle',
    'reservationHandle',
  ];
  for (const op of NOT_SUPPORTED_METHODS)
    ops[op] = { request: [...reservation, searchQuery], response: coded('Success:int') };
  const times = ['startTime:dateTime', 'endTime:dateTime'];
  ops.confirmReservation = { request: reservation, response: coded('reservationHandle:long', 'portNumber:int') };
  ops.cancelReservation = { request: reservation, response: coded('reservationHandle:long') };
  ops.getReservationDetails = {
    request: reservation,
    response: coded('reservationHandle:long', 'portNumber:int', ...times, 'duration:int'),
  };
  ops.getDriverReservations = {
    request: reservation,
    response: coded('serialNumber', ['reservationData*', ['reservationHandle:long', 'portNumber:int', ...times]]),
  };
  ops.getReservableStations = { request: [searchQuery], response: coded(['stationData*', station(v5)]) };
  if (v5)
    ops.getStationStatus = { request: [searchQuery], response: coded(['stationData*', statusRecord], 'moreFlag:int') };
  return ops;
}

function stationShapes(v5: boolean): Shapes {
  const req = v5 ? [searchQuery] : [searchQuery, ...flat41];
  const moreFlag = v5 ? ['moreFlag:int'] : [];
  return {
    getCPNInstances: { request: [], response: [['CPN*', ['cpnID:int', 'cpnName', 'cpnDescription']]] },
    getStations: { request: [searchQuery], response: coded(['stationData*', station(v5)], ...moreFlag) },
    getPublicStations: { request: [searchQuery], response: coded(['stationData*', station(v5)], ...moreFlag) },
    getPublicStationStatus: { request: [searchQuery], response: coded(['stationStatusData*', statusRecord]) },
    getStationGroups: {
      request: ['orgID'],
      response: coded([
        'groupData*',
        ['sgID:int', 'orgID', 'sgName', 'organizationName', ['stationData*', ['stationID', geo]]],
      ]),
    },
    getStationGroupDetails: {
      request: ['sgID!', 'stationID', searchQuery],
      response: coded('groupName', 'numStations:int', ['stationData*', ['stationID', 'stationName', 'Address']]),
    },
    getOrgsAndStationGroups: {
      request: req,
      response: v5 ? coded(orgData(true)) : coded(['orgAndSgData', [orgData(false)]]),
    },
    getStationRights: {
      request: [searchQuery],
      response: coded(
        [
          v5 ? 'rightsData*' : 'groupData*',
          [
            'sgID:int',
            'sgName',
            'stationRightsProfile',
            ['stationData*', ['stationID', 'stationName', 'stationSerialNum']],
          ],
        ],
        ...moreFlag,
      ),
    },
    getStationRightsProfile: { request: ['sgID'], response: coded(['taskList*', ['Task', 'Description']]) },
  };
}

function usageShapes(v5: boolean): Shapes {
  const req = v5 ? [searchQuery] : [searchQuery, ...flat41];
  const moreFlag = v5 ? ['moreFlag:int'] : [];
  return {
    getChargingSessionData: {
      request: [searchQuery],
      response: coded([v5 ? 'ChargingSessionData*' : 'ChargingSessionsData*', session(v5)], 'MoreFlag:int'),
    },
    get15minChargingSessionData: {
      request: ['sessionID!:long', 'energyConsumedInterval'],
      response: coded('sessionID:long', 'stationID', 'portNumber:int', [
        'fifteenminData*',
        ['stationTime:dateTime', 'energyConsumed:double', 'peakPower:double', 'rollingPowerAvg:double'],
      ]),
    },
    getAlarms: { request: req, response: coded(['Alarms*', alarm(v5)], ...moreFlag) },
    clearAlarms: { request: req, response: coded() },
    getLoad: {
      request: req,
      response: coded(
        ...(v5 ? ['sgID:int', 'numStations:int', 'groupName'] : ['sgID:int', 'groupName', 'numStations:int']),
        'sgLoad:double',
        ['stationData*', loadStation(v5)],
      ),
    },
    shedLoad: {
      request: shed(v5),
      response: coded(
        'Success:int',
        'sgID:int',
        'stationID',
        v5 ? 'allowedLoadPerStation:double' : 'allowedLoad:double',
        v5 ? 'percentShedPerStation:int' : 'percentShed:int',
      ),
    },
    clearShedState: { request: clearShed(v5), response: coded('Success:int', 'sgID:int', 'stationID') },
  };
}
