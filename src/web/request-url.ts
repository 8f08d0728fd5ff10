// The URL of a request as the web routes read it. new URL(target, base) reads an origin-form
// target such as "//x:y" as a host and throws (or, for "//x", loses the path); here a target that
// starts with '/' is always a path.

/** The request target's path and query, or null when it cannot be read as a URL at all. */
export function requestUrl(target: string | undefined): URL | null {
  const text = target ?? '/';
  try {
    return text.startsWith('/') ? new URL(`http://localhost${text}`) : new URL(text, 'http://localhost/');
  } catch {
    return null;
  }
}
