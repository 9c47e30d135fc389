/**
 * The one-line queue stub for pages that call `analytics.track` before the tracker has
 * loaded (put it in an inline `<script>` before the tracker's tag). The tracker replays
 * `window.analytics.q` in order when it starts, then takes over `window.analytics`.
 */
export const TRACKER_STUB =
  'window.analytics=window.analytics||{q:[],track:function(){window.analytics.q.push(arguments)}}'
