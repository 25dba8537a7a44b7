export * from './generated/graphql';
export { CareConnectClient, CareConnectError, CLOSE_UNAUTHENTICATED, type ClientOptions, type ReconnectOptions, type Session } from './client';
