/** Whether `name` is an IANA time zone (Europe/Berlin, UTC) that both Node and PostgreSQL know. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
