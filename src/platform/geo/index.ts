export { distanceMeters, destination, EARTH_RADIUS_METERS, type Point } from './geo';
