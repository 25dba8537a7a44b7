/** What the cities module announces to other modules (see platform/events). */
export interface CitiesEvents {
  /** An admin scoped a staff member to a city, or took the city from them, inside that transaction (audited there). */
  'city.staffChanged': { userId: string; cityId: string; adminId: string; assigned: boolean };
}
