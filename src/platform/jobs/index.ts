export { JobQueue, type JobQueueSettings } from './job-queue';
