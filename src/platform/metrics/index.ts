export { Metrics } from './metrics';
export { metricsPlugin } from './metrics.plugin';
