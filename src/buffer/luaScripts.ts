/**
 * The buffer's Lua scripts, run with EVALSHA through ioredis `defineCommand` (ioredis sends
 * the body with EVAL the first time on each connection, EVALSHA afterwards: one round trip
 * either way). Every key a script touches is passed in KEYS and all of them share one hash
 * tag, so the scripts are valid under Redis Cluster's same-slot rule. Needs Redis ≥ 6.2
 * (GETEX, XAUTOCLAIM).
 */

/**
 * ingest — rate limits, session and append, atomically.
 *
 * KEYS[1]            the stream
 * KEYS[2 .. n+1]     the n rate-limit counters
 * KEYS[n+2]          the session key (absent when the event has no session)
 * KEYS[n+3]          the visitor's session key under yesterday's salt (optional): its
 *                    session continues when there is none under KEYS[n+2]
 * ARGV[1]            the event JSON; without a session key: the complete event, with one:
 *                    the event without `sessionId` (the script prepends the final one)
 * ARGV[2]            session idle seconds
 * ARGV[3]            a fresh random session id, used when the visitor has no live session
 * ARGV[4]            n
 * ARGV[5]            max stream length (0: unbounded)
 * ARGV[4+2i], ARGV[5+2i]  limit and window seconds of counter i (1-based)
 *
 * Returns {1, entryId, sessionId or false (nil), newSession 0|1} when the event was
 * appended, {0, retryAfterSeconds} when a limit is exhausted, {-1} when the stream is full.
 * Refused requests write nothing. Fixed windows: a counter expires `window` seconds after
 * the first event that created it.
 */
export const INGEST_LUA = `
local stream = KEYS[1]
local n = tonumber(ARGV[4])
local maxLen = tonumber(ARGV[5])

local retryMs = 0
for i = 1, n do
  local key = KEYS[1 + i]
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[4 + 2 * i]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      ttl = tonumber(ARGV[5 + 2 * i]) * 1000
      if count > 0 then redis.call('PEXPIRE', key, ttl) end
    end
    if ttl > retryMs then retryMs = ttl end
  end
end
if retryMs > 0 then return {0, math.ceil(retryMs / 1000)} end

if maxLen > 0 and redis.call('XLEN', stream) >= maxLen then return {-1} end

for i = 1, n do
  local key = KEYS[1 + i]
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[5 + 2 * i]) end
end

local json = ARGV[1]
local sessionId = false
local newSession = 0
if #KEYS >= n + 2 then
  local sessionKey = KEYS[n + 2]
  sessionId = redis.call('GETEX', sessionKey, 'EX', ARGV[2])
  if not sessionId and #KEYS == n + 3 then
    sessionId = redis.call('GET', KEYS[n + 3])
    if sessionId then redis.call('SET', sessionKey, sessionId, 'EX', ARGV[2]) end
  end
  if not sessionId then
    sessionId = ARGV[3]
    newSession = 1
    redis.call('SET', sessionKey, sessionId, 'EX', ARGV[2])
  end
  local head = '{"sessionId":' .. cjson.encode(sessionId)
  if json == '{}' then json = head .. '}' else json = head .. ',' .. string.sub(json, 2) end
end

local id = redis.call('XADD', stream, '*', 'e', json)
return {1, id, sessionId, newSession}
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
