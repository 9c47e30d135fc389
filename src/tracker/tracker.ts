/**
 * The browser tracker, served as `GET /api/analytics/script.js` and shipped as
 * `dist/tracker/analytics.js`. Built by `scripts/buildTracker.ts` into a minified IIFE
 * (budget: 1,024 bytes gzipped; a unit test enforces it). Hand-tuned for size: short
 * aliases for globals (esbuild mangles locals, not property names), no classes.
 *
 * Script tag:
 *   <script defer src="https://cms.example.com/api/analytics/script.js" data-site="SITE_ID"></script>
 *   - `data-site`  (required) the site id; without it nothing is sent.
 *   - `data-api`   the track endpoint. Default, derived from the script's own `src`: a path
 *                  ending in `/script.js` or `/analytics.js` has that file name replaced by
 *                  `track` (…/api/analytics/script.js → …/api/analytics/track); any other
 *                  `src` gives the script's origin + `/api/analytics/track`.
 *   - `data-auto="false"`  no automatic pageviews (neither on load nor on SPA navigation);
 *                  send them yourself with `analytics.track('pageview')`.
 *   - `data-track-automation="true"`  also count automated browsers (`navigator.webdriver`);
 *                  by default they send nothing.
 *
 * Page API (`window.analytics`):
 *   - `track(name, props?, value?)`  a custom event: `pageview`, `lead.created`,
 *     `form.submit`, `automation.run`, `ai.usage`, `export.completed` or a custom name;
 *     `props` a flat object of at most 30 primitive values; `value` a number (e.g. AI tokens).
 *   - `optOut()` / `optIn()`  the visitor-side opt-out, kept on the visitor's device as
 *     `localStorage.analytics_ignore = 'true'` (the only storage this script touches; it is
 *     a flag, never an identifier). While it is set, nothing is sent.
 *   Calls made before the script has loaded are queued by this one-line stub (exported as
 *   `TRACKER_STUB` from `./stub.ts`) and replayed in order once it has:
 *     window.analytics=window.analytics||{q:[],track:function(){window.analytics.q.push(arguments)}}
 *   Any `window.analytics.q` of `[name, props?, value?]` entries is replayed the same way.
 *
 * Payload: one JSON object, POSTed as `text/plain` (a CORS "simple request": no preflight)
 * by `navigator.sendBeacon`, or by `fetch(…, { keepalive: true })` when sendBeacon is
 * missing or refuses. The server's schema follows exactly this contract:
 *   s  string                 site id (`data-site`)
 *   t  string, ≤ 64 chars     event type: `pageview`, a built-in type or a custom name
 *   u  string, ≤ 2048 chars   `location.href` (truncated to 2048); the server extracts
 *                             hostname, path, UTM parameters and click ids from it
 *   r  string, ≤ 2048, opt.   `document.referrer` (truncated); omitted when empty
 *   w  integer 0..100000, opt. `window.innerWidth` (a screen-class hint)
 *   p  object, opt.           custom props as given: ≤ 30 keys of string/number/boolean/null
 *   v  number, opt.           numeric value
 * No cookies, no identifiers: the server derives a daily-rotating visitor hash itself.
 *
 * Nothing here may throw into the host page: every entry point is guarded.
 */

type Props = Record<string, boolean | null | number | string>
type Call = ArrayLike<unknown>
interface Api {
  optIn?: () => void
  optOut?: () => void
  q?: Call[]
  track?: (name: string, props?: Props, value?: number) => void
}

const w = window as Window & { analytics?: Api }
const d = document
const n = navigator
const h = history
const l = location
const A: Api = (w.analytics = w.analytics || {})

// Loading the script twice (snippet plus component) must not double every pageview.
if (!A.optOut) {
  const el = (d.currentScript || d.querySelector('script[data-site]')) as HTMLScriptElement | null
  const ds: DOMStringMap = el ? el.dataset : {}
  const site = ds.site
  let last: string

  const send = (t: string, p?: Props, v?: number) => {
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
        new URL(/\/(script|analytics)\.js([?#]|$)/.test(el!.src) ? 'track' : '/api/analytics/track', el!.src).href
      const body = JSON.stringify({
        s: site,
        t,
        u: l.href.slice(0, 2048),
        r: d.referrer.slice(0, 2048) || undefined,
        w: w.innerWidth,
        p,
        v,
      })
      if (!(n.sendBeacon && n.sendBeacon(api, new Blob([body], { type: 'text/plain' }))))
        fetch(api, {
          body,
          credentials: 'omit',
          headers: { 'Content-Type': 'text/plain' },
          keepalive: true,
          method: 'POST',
        }).catch(() => {})
    } catch {
      // never throw into the host page
    }
  }

  // A new pageview only when path or query changed: frameworks call replaceState with
  // the current URL to store their own state, and that is not a navigation.
  const pageview = () => {
    const k = l.pathname + l.search
    if (k != last) {
      last = k
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
      w.addEventListener('popstate', pageview)
      // A page prerendered by the browser (speculation rules, omnibox prediction) is not
      // viewed until it is activated, and may never be.
      if ((d as Document & { prerendering?: boolean }).prerendering)
        d.addEventListener('prerenderingchange', pageview)
      else pageview()
    }
    for (const c of A.q || []) send(c[0] as string, c[1] as Props, c[2] as number)
  } catch {
    // never throw into the host page
  }
}

export {}
