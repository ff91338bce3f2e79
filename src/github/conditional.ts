// GitHub answers a conditional request whose ETag still matches with 304 Not Modified, and a 304 does
// not count against the rate limit. The sweeps ask the same questions every few minutes (a branch head,
// a config file, the open pull requests), so remembering the last answer makes an idle repository cost
// nothing but 304s.
import type { GitHub } from "./types.js";

// Enough for every swept URL of a large installation, bounded for a long-running process.
const MAX_ENTRIES = 20_000;

interface Entry {
  etag: string;
  data: unknown;
}

/** The last answer to each GET, by URL, and the ETag to ask with next time. */
export class ConditionalCache {
  private readonly entries = new Map<string, Entry>();
  /** How many requests were answered 304 (for logs and tests). */
  notModified = 0;

  constructor(private readonly max = MAX_ENTRIES) {}

  /**
   * `GET route` with `If-None-Match` when the URL was fetched before; a 304 returns the remembered data.
   * Only one page is fetched: the sweeps ask for lists that fit one page of 100, and say so where not.
   */
  async get<T>(octokit: GitHub, route: string, params: Record<string, unknown>): Promise<T> {
    const key = `${route} ${JSON.stringify(params)}`;
    const cached = this.entries.get(key);
    try {
      const response = await octokit.request(route, {
        ...params,
        ...(cached ? { headers: { "if-none-match": cached.etag } } : {}),
      });
      const etag = response.headers.etag;
      this.entries.delete(key);
      if (etag) {
        this.entries.set(key, { etag, data: response.data });
        if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
      }
      return response.data as T;
    } catch (err) {
      if (cached && (err as { status?: number }).status === 304) {
        this.notModified++;
        return cached.data as T;
      }
      throw err;
    }
  }

  /** Forgets a URL's answer (after a write that changes it). */
  forget(route: string, params: Record<string, unknown>): void {
    this.entries.delete(`${route} ${JSON.stringify(params)}`);
  }
}
