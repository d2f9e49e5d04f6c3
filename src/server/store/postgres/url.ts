// A PostgreSQL URL's password kept out of what is shown (messages, the banner) and out of other programs' arguments.

/** The URL without its password, for messages and the banner. */
export const redactedUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

/**
 * The URL without its password, and the password (decoded, or undefined): a program given the URL on its command line
 * gets the password through its environment (PGPASSWORD) instead, where other users' `ps` cannot read it.
 */
export function passwordApart(url: string): { url: string; password: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, password: undefined };
  }
  if (parsed.password === '') return { url, password: undefined };
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), password };
}
