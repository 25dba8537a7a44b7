export { healthRoutes, type DependencyCheck } from './health.routes';
