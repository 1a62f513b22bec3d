/**
 * Configuration keys the gateway answers itself and never forwards to the charger (docs/translation.md#gateway-owned-configuration-keys,
 * OCPP-J 1.6 section 7,
 * 1.6 security white paper): the charger cannot know the gateway's WebSocket or its credentials.
 */
export const GATEWAY_KEYS = ['AuthorizationKey', 'WebSocketPingInterval', 'SupportedFeatureProfiles'] as const;

const LOWER = new Set(GATEWAY_KEYS.map((k) => k.toLowerCase()));

/**
 * Key names are compared case-insensitively only for these three; charger keys are never normalised
 * (docs/charger-quirks.md#q17-configuration-keys-with-odd-spelling).
 */
export function isGatewayKey(key: string): boolean {
  return LOWER.has(key.toLowerCase());
}

export function gatewayKeyName(key: string): (typeof GATEWAY_KEYS)[number] {
  return GATEWAY_KEYS.find((k) => k.toLowerCase() === key.toLowerCase())!;
}
