export { distanceMeters, destination, EARTH_RADIUS_METERS, type Point } from './geo';
export { FixThrottle } from './fix-throttle';
export { COARSE_RESOLUTION, finestCell, parentCellBigintSql, parentCellSql } from './h3-cells';
