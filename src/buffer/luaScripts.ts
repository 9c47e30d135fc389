/**
 * The buffer's Lua scripts, run with EVALSHA through ioredis `defineCommand` (ioredis sends
 * the body with EVAL the first time on each connection, EVALSHA afterwards: one round trip
 * either way). Every key a script touches is passed in KEYS and all of them share one hash
 * tag, so the scripts are valid under Redis Cluster's same-slot rule. Needs Redis ≥ 6.2
 * (GETEX, XAUTOCLAIM).
 */

/**
 * Once per realtime index in `indexed` (not once per event): drop entries older than the
 * window (ARGV[3]), keep the newest ARGV[4], expire the key ARGV[5] ms from now.
 */
const TRIM_REALTIME_LUA = `
for key in pairs(indexed) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[3])
  redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(ARGV[4]) - 1)
  redis.call('PEXPIRE', key, ARGV[5])
end`

/**
 * ingest — for each of a batch of tracked events, in order: rate limits, session and
 * append, atomically. The Redis buffer gathers the events that arrive within one turn of
 * the event loop into one call (one command to encode, send and decode, one script run),
 * and each event is handled exactly as it would be on its own: the counters a refused
 * event leaves untouched are the ones the next event sees.
 *
 * KEYS[1]        the stream
 * KEYS[2 ..]     each event's keys, event after event: its n rate-limit counters, then its
 *                session key (when it has a session), then the visitor's session key under
 *                yesterday's salt (optional: that session continues when there is none
 *                under the first), then its site's realtime index
 * ARGV[1]        the number of events
 * ARGV[2]        max stream length (0: unbounded)
 * ARGV[3..5]     the realtime index's trim: entries older than this (ms) go, at most this
 *                many are kept, and the key expires this many ms after its last write
 * ARGV[6]        the events (1-based, separated by spaces) whose site index is trimmed
 *                after the batch: the caller asks for each site at most about once a second,
 *                so the hot path pays one ZADD per event and the trim only now and then
 * ARGV[7 ..]     five per event:
 *                  its rule: whole numbers separated by spaces — n (rate limits), m
 *                  (session keys: 0, 1 or 2), session idle seconds, then the limit and the
 *                  window seconds of each of the n counters (the events of a batch mostly
 *                  share one rule, which is read once per call);
 *                  the event JSON (with m > 0, without `sessionId`: the script prepends
 *                  the final one);
 *                  the id a session opened by this event gets (the caller passes the
 *                  event's own random id);
 *                  its realtime score and member ('' when realtime does not count it;
 *                  the script puts the entry id first: a tracked event is appended once)
 *
 * Returns one reply per event: {1, entryId, sessionId or false (nil), newSession 0|1}
 * when it was appended, {0, retryAfterSeconds} when a limit is exhausted, {-1} when the
 * stream is full. A refused event writes nothing. Fixed windows: a counter expires
 * `window` seconds after the first event that created it.
 */
export const INGEST_LUA = `
local stream = KEYS[1]
local events = tonumber(ARGV[1])
local maxLen = tonumber(ARGV[2])
local replies = {}
local rules = {}
local indexed = {}
local trimAt = {}
for number in string.gmatch(ARGV[6], '%d+') do trimAt[tonumber(number)] = true end
local k = 2
local a = 7

for e = 1, events do
  local rule = rules[ARGV[a]]
  if not rule then
    rule = {}
    for number in string.gmatch(ARGV[a], '%d+') do rule[#rule + 1] = tonumber(number) end
    rules[ARGV[a]] = rule
  end
  local n = rule[1]
  local m = rule[2]
  local idle = rule[3]
  local json = ARGV[a + 1]
  local fresh = ARGV[a + 2]

  -- Count the event against every limit, then take the counts back if any is exceeded:
  -- one call per counter when the event passes, which is nearly always.
  local exceeded = false
  for i = 0, n - 1 do
    local key = KEYS[k + i]
    local used = redis.call('INCR', key)
    if used == 1 then redis.call('EXPIRE', key, rule[5 + 2 * i]) end
    if used > rule[4 + 2 * i] then exceeded = true end
  end
  if not exceeded and maxLen > 0 and redis.call('XLEN', stream) >= maxLen then exceeded = -1 end

  if exceeded then
    local retryMs = 0
    for i = 0, n - 1 do
      local key = KEYS[k + i]
      local used = redis.call('DECR', key)
      if used >= rule[4 + 2 * i] then
        local ttl = redis.call('PTTL', key)
        if ttl < 0 then
          ttl = rule[5 + 2 * i] * 1000
          redis.call('PEXPIRE', key, ttl)
        end
        if ttl > retryMs then retryMs = ttl end
      end
    end
    if exceeded == -1 then replies[e] = {-1} else replies[e] = {0, math.ceil(retryMs / 1000)} end
  else
    local sessionId = false
    local newSession = 0
    if m > 0 then
      local sessionKey = KEYS[k + n]
      sessionId = redis.call('GETEX', sessionKey, 'EX', idle)
      if not sessionId and m == 2 then
        sessionId = redis.call('GET', KEYS[k + n + 1])
        if sessionId then redis.call('SET', sessionKey, sessionId, 'EX', idle) end
      end
      if not sessionId then
        sessionId = fresh
        newSession = 1
        redis.call('SET', sessionKey, sessionId, 'EX', idle)
      end
      local head = '{"sessionId":' .. cjson.encode(sessionId)
      if json == '{}' then json = head .. '}' else json = head .. ',' .. string.sub(json, 2) end
    end

    local id = redis.call('XADD', stream, '*', 'e', json)
    if ARGV[a + 4] ~= '' then
      redis.call('ZADD', KEYS[k + n + m], ARGV[a + 3], id .. ' ' .. ARGV[a + 4])
    end
    if trimAt[e] then indexed[KEYS[k + n + m]] = true end
    replies[e] = {1, id, sessionId, newSession}
  end

  k = k + n + m + 1
  a = a + 5
end
${TRIM_REALTIME_LUA}
return replies
`

/**
 * append — server-side events, all or none.
 *
 * KEYS[1] the stream; KEYS[2..] the realtime indexes of the sites the events belong to.
 * ARGV[1] the number of events n, ARGV[2] max stream length (0: unbounded), ARGV[3..5] the
 * realtime trim (as for ingest), ARGV[6 .. 5 + n] the events' JSON, then three per event
 * realtime counts (none for old events: a backfill adds nothing to the index): the number
 * of its index in KEYS, its score and its member headed by the event id — so an event
 * appended twice (a caller retrying after a timeout) is in the index once, as in the
 * stored events.
 * Returns the number appended, or -1 (nothing appended) when they would not fit.
 */
export const APPEND_LUA = `
local events = tonumber(ARGV[1])
local maxLen = tonumber(ARGV[2])
local indexed = {}
if maxLen > 0 and redis.call('XLEN', KEYS[1]) + events > maxLen then return -1 end
for a = 6, 5 + events do redis.call('XADD', KEYS[1], '*', 'e', ARGV[a]) end
for a = 6 + events, #ARGV, 3 do
  local key = KEYS[tonumber(ARGV[a])]
  redis.call('ZADD', key, ARGV[a + 1], ARGV[a + 2])
  indexed[key] = true
end
${TRIM_REALTIME_LUA}
return events
`
