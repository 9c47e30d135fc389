/**
 * Errors the stats service throws for the caller's mistakes; endpoints turn them into JSON
 * 4xx answers, views into a message. Anything else is a bug (500).
 */
export class StatsError extends Error {
  constructor(
    message: string,
    /** HTTP status the endpoints answer with. */
    readonly status: 400 | 401 | 403 | 404,
  ) {
    super(message)
    this.name = 'StatsError'
  }
}

/** A query parameter is malformed, out of range or unknown. */
export const badQuery = (message: string): StatsError => new StatsError(message, 400)
/** No user and no valid share token. */
export const unauthenticated = (): StatsError => new StatsError('Log in to read analytics.', 401)
/** The caller may not read one of the requested sites (never says whether it exists). */
export const siteNotReadable = (): StatsError => new StatsError('Site not found.', 404)
