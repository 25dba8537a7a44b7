export const PASSWORD_MIN_LENGTH = 10;
/** Bounded so a megabyte "password" cannot make the KDF a denial-of-service lever. */
export const PASSWORD_MAX_LENGTH = 256;
