export { notFoundHandler, httpErrorHandler } from './http-errors';
export { requestScope } from './request-scope.middleware';
export { clientIpResolver } from './client-ip';
