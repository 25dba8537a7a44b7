export { AccessTokens, bearerToken, newRefreshToken, hashRefreshToken, type AccessClaims } from './tokens';
export { hashPassword, verifyPassword } from './password';
export { Role, isStaff } from './roles';
export { ACCOUNT_GONE, EMERGENCY, accountSuspended, authChecker } from './auth-checker';
export { LoaderScope, signedIn, systemContext, type AccountStanding, type Context, type Viewer } from './context';
export { assertUnscoped, citiesAsked } from './city-scope';
