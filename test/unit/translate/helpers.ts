import type { TranslationContext } from '../../../src/translate/context.js';
import { emptyChargerState, type ChargerState } from '../../../src/translate/charger-state.js';

export function ctx(overrides: Partial<TranslationContext['options']> = {}): TranslationContext {
  return {
    receivedAt: '2024-05-01T12:00:00.000Z',
    options: { celsiusUnit: 'Celcius', timezone: 'Z', bootRetryIntervalSec: 60, ...overrides },
    notes: [],
  };
}

export function state(partial: Partial<ChargerState> = {}): ChargerState {
  return { ...emptyChargerState('CP-1'), ...partial };
}
