/** A URL's password (`postgres://app:pw@db/x`, `redis://:pw@cache`), as connection strings carry one; the user name stays. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]{1,15}:\/\/[^\s/?#@:]*:)([^\s/?#@]+)@/gi;

/** `text` with each URL's password replaced by `mask`: log lines' redaction and configuration errors both use it. */
export function maskUrlPasswords(text: string, mask: string): string {
  return text.replace(URL_PASSWORD, (_match, head: string) => `${head}${mask}@`);
}
