/**
 * Methods of the API that nothing in OCPP backs (driver accounts, prices, holds, feeds, shed events by schedule): each
 * is answered 101 "not supported by this gateway" (docs/fleet-api.md#what-is-not-backed), and each is still declared in the
 * served WSDLs so that clients generated from them can call it and read that answer.
 */
export const NOT_SUPPORTED_METHODS = [
  'getChargePointCards',
  'getStationResOpenings',
  'priceReservation',
  'priceAndHoldReservation',
  'cancelReservationHold',
  'getUsers',
  'updateUserStatus',
  'setWaitlistDone',
  'getTransactionData',
  'createLoadShedEvent',
  'removeLoadShedEvent',
  'registerFeeds',
  'updateFeed',
] as const;
