/** What an emergency number may look like (the deployment's, or a city's own). */
export const EMERGENCY_NUMBER_RULE = 'must be 2 to 15 digits, optionally after a +';

export const isEmergencyNumber = (value: string): boolean => /^\+?[0-9]{2,15}$/.test(value);
