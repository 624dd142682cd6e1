/** The Zava stores and their RLS user ids (a compatibility contract with existing clients). */
export interface StoreDefinition {
  name: string;
  rlsUserId: string;
  isOnline: boolean;
  customerWeight: number;
  orderMultiplier: number;
}

export const HEAD_OFFICE_ID = '00000000-0000-0000-0000-000000000000';

export const STORES: readonly StoreDefinition[] = [
  {
    name: 'Zava Retail Seattle',
    rlsUserId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    isOnline: false,
    customerWeight: 30,
    orderMultiplier: 3.0,
  },
  {
    name: 'Zava Retail Bellevue',
    rlsUserId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    isOnline: false,
    customerWeight: 25,
    orderMultiplier: 2.6,
  },
  {
    name: 'Zava Retail Tacoma',
    rlsUserId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    isOnline: false,
    customerWeight: 20,
    orderMultiplier: 2.4,
  },
  {
    name: 'Zava Retail Spokane',
    rlsUserId: 'd8e9f0a1-b2c3-4567-8901-234567890abc',
    isOnline: false,
    customerWeight: 8,
    orderMultiplier: 2.0,
  },
  {
    name: 'Zava Retail Everett',
    rlsUserId: '3b9ac9fa-cd5e-4b92-a7f2-b8c1d0e9f2a3',
    isOnline: false,
    customerWeight: 7,
    orderMultiplier: 1.8,
  },
  {
    name: 'Zava Retail Redmond',
    rlsUserId: 'e7f8a9b0-c1d2-3e4f-5678-90abcdef1234',
    isOnline: false,
    customerWeight: 6,
    orderMultiplier: 1.6,
  },
  {
    name: 'Zava Retail Kirkland',
    rlsUserId: '9c8b7a65-4321-fed0-9876-543210fedcba',
    isOnline: false,
    customerWeight: 4,
    orderMultiplier: 1.4,
  },
  {
    name: 'Zava Retail Online',
    rlsUserId: '2f4e6d8c-1a3b-5c7e-9f0a-b2d4f6e8c0a2',
    isOnline: true,
    customerWeight: 30,
    orderMultiplier: 3.0,
  },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
