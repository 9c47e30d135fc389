/**
 * The buffer's Lua scripts, run with EVALSHA through ioredis `defineCommand` (ioredis sends
 * the body with EVAL the first time on each connection, EVALSHA afterwards: one round trip
 * either way). Every key a script touches is passed in KEYS and all of them share one hash
 * tag, so the scripts are valid under Redis Cluster's same-slot rule. Needs Redis ≥ 6.2
 * (GETEX, XAUTOCLAIM).
 */

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
 *                under the first)
 * ARGV[1]        the number of events
 * ARGV[2]        max stream length (0: unbounded)
 * ARGV[3 ..]     each event's arguments, event after event:
 *                  n (rate limits), m (session keys: 0, 1 or 2),
 *                  the event JSON (with m > 0, without `sessionId`: the script prepends
 *                  the final one), session idle seconds, a fresh random session id (used
 *                  when the visitor has no live session), then limit and window seconds
 *                  of each of the n counters
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
local k = 2
local a = 3

for e = 1, events do
  local n = tonumber(ARGV[a])
  local m = tonumber(ARGV[a + 1])
  local json = ARGV[a + 2]
  local idle = ARGV[a + 3]
  local fresh = ARGV[a + 4]
  local limits = a + 5

  -- Count the event against every limit, then take the counts back if any is exceeded:
  -- one call per counter when the event passes, which is nearly always.
  local exceeded = false
  for i = 0, n - 1 do
    local key = KEYS[k + i]
    local used = redis.call('INCR', key)
    if used == 1 then redis.call('EXPIRE', key, ARGV[limits + 2 * i + 1]) end
    if used > tonumber(ARGV[limits + 2 * i]) then exceeded = true end
  end
  if not exceeded and maxLen > 0 and redis.call('XLEN', stream) >= maxLen then exceeded = -1 end

  if exceeded then
    local retryMs = 0
    for i = 0, n - 1 do
      local key = KEYS[k + i]
      local used = redis.call('DECR', key)
      if used >= tonumber(ARGV[limits + 2 * i]) then
        local ttl = redis.call('PTTL', key)
        if ttl < 0 then
          ttl = tonumber(ARGV[limits + 2 * i + 1]) * 1000
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
    replies[e] = {1, id, sessionId, newSession}
  end

  k = k + n + m
  a = limits + 2 * n
end
return replies
`

/**
 * append — server-side events, all or none.
 *
 * KEYS[1] the stream; ARGV[1] max stream length (0: unbounded); ARGV[2..] event JSON.
 * Returns the number appended, or -1 (nothing appended) when they would not fit.
 */
export const APPEND_LUA = `
local maxLen = tonumber(ARGV[1])
if maxLen > 0 and redis.call('XLEN', KEYS[1]) + #ARGV - 1 > maxLen then return -1 end
for i = 2, #ARGV do redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end
return #ARGV - 1
`
