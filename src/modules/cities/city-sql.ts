/**
 * SQL: whether the place in `column` (a geography) is inside one of the cities in the uuid[]
 * parameter `param`; true when the parameter is null (no scope). A volunteer's city is where
 * their last stored location is: this is how other modules ask.
 */
export const insideCitiesSql = (column: string, param: string) =>
  `(${param}::uuid[] IS NULL OR EXISTS (SELECT 1 FROM cities c WHERE c.id = ANY(${param}::uuid[]) AND ST_Covers(c.boundary, ${column})))`;
