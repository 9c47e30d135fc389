/**
 * The browser tracker, served as `GET /api/analytics/script.js` and shipped as
 * `dist/tracker/analytics.js`; with the optional features below also as
 * `GET /api/analytics/script.full.js` / `dist/tracker/analytics.full.js`. Built by
 * `scripts/buildTracker.ts` into minified IIFEs (budgets: 1,024 bytes gzipped for the
 * default script, 1,400 for the full one; a unit test enforces both). Hand-tuned for size:
 * short aliases for globals (esbuild mangles locals, not property names), no classes.
 *
 * Script tag:
 *   <script defer src="https://cms.example.com/api/analytics/script.js" data-site="SITE_ID"></script>
 *   - `data-site`  (required) the site id; without it nothing is sent.
 *   - `data-api`   the track endpoint. Default, derived from the script's own `src`: a path
 *                  ending in `/script.js`, `/script.full.js`, `/analytics.js` or
 *                  `/analytics.full.js` has that file name replaced by `track`
 *                  (…/api/analytics/script.js → …/api/analytics/track); any other `src`
 *                  gives the script's origin + `/api/analytics/track`.
 *   - `data-auto="false"`  no automatic pageviews (neither on load nor on SPA navigation);
 *                  send them yourself with `analytics.track('pageview')`.
 *   - `data-track-automation="true"`  also count automated browsers (`navigator.webdriver`);
 *                  by default they send nothing.
 *   Optional features, in `script.full.js` only, each off until its attribute is present:
 *   - `data-outbound`   a click on a link to another host sends `Outbound Link: Click`
 *                       with the prop `url` (the link's address).
 *   - `data-downloads`  a click on a link to a file sends `File Download` with the prop
 *                       `url`. Empty: the extensions in `DOWNLOADS` below; otherwise a
 *                       comma-separated list of extensions (`data-downloads="pdf,zip"`).
 *   - `data-404`        put on the tag of your 404 page: sends `404` with the prop `path`
 *                       on load. `analytics.track('404')` without props does the same.
 *   - `data-hash`       hash-based routing: a change of `location.hash` is a pageview, and
 *                       the hash is part of the page's path (`/#/settings`).
 *
 * Engagement. While a page is shown the script measures its engaged time (only while the
 * page is visible and its window focused) and its deepest scroll position (the bottom of
 * the viewport, as a percentage of the document's height measured when it is sent, so a
 * page that grows is measured against its new height; a page no taller than the window is
 * 100 %). When the page is left — the tab hidden, the window blurred, an SPA navigation —
 * it sends one `engagement` for that page (its URL, `d` the depth, `e` the engaged
 * milliseconds since the last engagement sent), if the depth grew or at least 3 s of
 * engaged time accrued since then.
 *
 * Page API (`window.analytics`):
 *   - `track(name, props?, value?)`  a custom event: `pageview`, `lead.created`,
 *     `form.submit`, `automation.run`, `ai.usage`, `export.completed` or a custom name;
 *     `props` a flat object of at most 30 primitive values; `value` a number (e.g. AI tokens)
 *     or `{ revenue: { amount, currency } }` — an amount with its ISO-4217 currency
 *     (`analytics.track('Purchase', { plan: 'pro' }, { revenue: { amount: 29.9, currency: 'EUR' } })`).
 *     Passed to the server as given, in `v`: it costs the script no bytes.
 *   - `optOut()` / `optIn()`  the visitor-side opt-out, kept on the visitor's device as
 *     `localStorage.analytics_ignore = 'true'` (the only storage this script touches; it is
 *     a flag, never an identifier). While it is set, nothing is sent.
 *   Calls made before the script has loaded are queued by this one-line stub (exported as
 *   `TRACKER_STUB` from `./stub.ts`) and replayed in order once it has:
 *     window.analytics=window.analytics||{q:[],track:function(){window.analytics.q.push(arguments)}}
 *   Any `window.analytics.q` of `[name, props?, value?]` entries is replayed the same way.
 *
 * Payload: one JSON object, POSTed as text (a CORS "simple request": no preflight) by
 * `fetch(…, { keepalive: true })` — or `navigator.sendBeacon` where fetch is missing or
 * throws. A send that fails or is answered 5xx (analytics briefly unavailable) is tried
 * again twice, after 2 and 4 more seconds; the retry keeps the same body in memory only.
 * The server's schema follows exactly this contract:
 *   s  string                 site id (`data-site`)
 *   t  string, ≤ 64 chars     event type: `pageview`, `engagement`, a built-in type or a custom name
 *   u  string, ≤ 2048 chars   `location.href` (truncated to 2048); the server extracts
 *                             hostname, path, UTM parameters and click ids from it
 *   r  string, ≤ 2048, opt.   `document.referrer` (truncated); omitted when empty
 *   w  integer 0..100000, opt. `window.innerWidth` (a screen-class hint)
 *   p  object, opt.           custom props as given: ≤ 30 keys of string/number/boolean/null
 *   v  number | object, opt.  numeric value, or `{ revenue: { amount, currency } }` (amount a
 *                             number or decimal text within ±10^11, currency three upper-case letters)
 *   d  integer 0..100         engagement only: the deepest scroll position, percent
 *   e  integer ms < 1 day     engagement only: engaged milliseconds since the last engagement
 *   h  1, opt.                hash routing: the URL's fragment is part of the path
 * No cookies, no identifiers: the server derives a daily-rotating visitor hash itself.
 *
 * Nothing here may throw into the host page: every entry point is guarded.
 */

/** Replaced at build time: true in `script.full.js` (the optional features), false otherwise. */
declare const FULL: boolean

type Props = Record<string, boolean | null | number | string>
type Call = ArrayLike<unknown>
/** `track`'s third argument: a value, or revenue (sent as given in `v`). */
type Value = number | { revenue: { amount: number | string; currency: string } }
interface Api {
  optIn?: () => void
  optOut?: () => void
  q?: Call[]
  track?: (name: string, props?: Props, value?: Value) => void
}

/** The file extensions `data-downloads` counts when it lists none (Plausible's list). */
const DOWNLOADS = 'pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg'

const w = window as Window & { analytics?: Api }
const d = document
const n = navigator
const h = history
const l = location
const now = Date.now
const on = addEventListener
const A: Api = (w.analytics = w.analytics || {})

// Loading the script twice (snippet plus component) must not double every pageview.
if (!A.optOut) {
  const el = (d.currentScript || d.querySelector('script[data-site]')) as HTMLScriptElement | null
  const ds: DOMStringMap = el ? el.dataset : {}
  const site = ds.site
  const hash = FULL && ds.hash != null
  let last: string
  // The page being read: its URL, the engaged milliseconds and the deepest viewport bottom
  // (px) since its last engagement, the start of the current engaged stretch (0: none),
  // and the depth last sent.
  let page: string | undefined
  let engaged = 0
  let deepest = 0
  let since = 0
  let sentDepth = 0

  // Tried again after 2 and 4 s when the request fails or the server is unavailable.
  const post = (api: string, body: string, tries: number): unknown =>
    fetch(api, { body, credentials: 'omit', keepalive: true, method: 'POST' })
      .then((r) => {
        if (r.status > 499) throw 0
      })
      .catch(() => tries < 2 && setTimeout(post, 2e3 << tries, api, body, tries + 1))

  const send = (t: string, p?: Props, v?: Value, u = l.href, depth?: number, ms?: number) => {
    try {
      let off
      try {
        off = localStorage.analytics_ignore == 'true'
      } catch {
        // Storage blocked by the browser: no opt-out can have been stored either.
      }
      if (!site || off || (n.webdriver && ds.trackAutomation != 'true')) return
      const api =
        ds.api ||
        new URL(/\/(script|analytics)(\.full)?\.js([?#]|$)/.test(el!.src) ? 'track' : '/api/analytics/track', el!.src).href
      if (FULL && t == '404' && !p) p = { path: l.pathname }
      const o: Record<string, unknown> = {
        s: site,
        t,
        u: u.slice(0, 2048),
        r: d.referrer.slice(0, 2048) || undefined,
        w: w.innerWidth,
        p,
        v,
        d: depth,
        e: ms,
      }
      if (FULL && hash) o.h = 1
      const body = JSON.stringify(o)
      try {
        post(api, body, 0)
      } catch {
        n.sendBeacon(api, body)
      }
    } catch {
      // never throw into the host page
    }
  }

  // Engaged time accrues while the page is visible and focused; the deepest scroll is the
  // lowest viewport bottom seen.
  const tick = () => {
    const t = now()
    if (since) engaged += t - since
    since = !d.hidden && d.hasFocus() ? t : 0
    deepest = Math.max(deepest, w.scrollY + w.innerHeight)
  }

  // The page being left: one engagement when its depth grew or 3 s of engaged time accrued.
  const leave = () => {
    tick()
    const depth = Math.min(100, Math.round((100 * deepest) / d.documentElement.scrollHeight) || 100)
    if (page && (depth > sentDepth || engaged >= 3e3)) {
      send('engagement', undefined, undefined, page, depth, Math.min(engaged, 864e5 - 1))
      sentDepth = depth
      engaged = 0
    }
  }

  // A new pageview only when path or query changed: frameworks call replaceState with
  // the current URL to store their own state, and that is not a navigation.
  const pageview = () => {
    let k = l.pathname + l.search
    if (FULL && hash) k += l.hash
    if (k != last) {
      last = k
      if (page) leave()
      page = l.href
      engaged = deepest = sentDepth = 0
      tick()
      send('pageview')
    }
  }

  A.track = send
  A.optOut = () => {
    try {
      localStorage.analytics_ignore = 'true'
    } catch {
      // storage blocked: nothing to persist
    }
  }
  A.optIn = () => {
    try {
      delete localStorage.analytics_ignore
    } catch {
      // storage blocked: nothing to remove
    }
  }

  try {
    if (ds.auto != 'false') {
      for (const k of ['pushState', 'replaceState'] as const) {
        const o = h[k]
        h[k] = function (this: History, ...a: Parameters<History['pushState']>) {
          o.apply(this, a)
          pageview()
        }
      }
      on('popstate', pageview)
      if (FULL && hash) on('hashchange', pageview)
      // A page prerendered by the browser (speculation rules, omnibox prediction) is not
      // viewed until it is activated, and may never be.
      if ((d as Document & { prerendering?: boolean }).prerendering) d.addEventListener('prerenderingchange', pageview)
      else pageview()
    }
    // (A scroll event cannot be cancelled: no `passive` needed.)
    on('scroll', tick)
    on('focus', tick)
    on('blur', leave)
    // Hiding the page comes first on every way out of it (tab switch, navigation, close).
    d.addEventListener('visibilitychange', () => (d.hidden ? leave() : tick()))
    if (FULL) {
      if (ds['404'] != null) send('404')
      const files = ds.downloads
      on(
        'click',
        (e) => {
          const a = (e.target as Element).closest?.('a[href]') as HTMLAnchorElement | null
          if (!a || !/^http/.test(a.protocol)) return
          const ext = a.pathname.split('.').pop()!.toLowerCase()
          const url = { url: a.href }
          if (files != null && (files || DOWNLOADS).split(',').includes(ext)) send('File Download', url)
          else if (ds.outbound != null && a.host != l.host) send('Outbound Link: Click', url)
        },
        true,
      )
    }
    for (const c of A.q || []) send(c[0] as string, c[1] as Props, c[2] as Value)
  } catch {
    // never throw into the host page
  }
}


export {}
