-- A sliding log for one key, atomically: at most Count events in any
-- rolling Per. The same decision as windowDecision in window.go; keep them
-- in step.
--
-- KEYS[1]  the key: a sorted set, member an event ID, score its time.
-- ARGV[1]  now, Unix microseconds, from the caller's clock.
-- ARGV[2]  Per, microseconds.
-- ARGV[3]  Count.
-- ARGV[4]  the ID of the event to record (unique).
--
-- Returns {allowed (1 or 0), remaining, retry_after_us, reset_after_us}.
-- Times stay below 2^53 microseconds, so Lua's doubles hold them exactly.
local now = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local count = tonumber(ARGV[3])

-- Events at or before now-Per have left the window. A set emptied here
-- is deleted by Redis.
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - per)
local n = redis.call("ZCARD", KEYS[1])
local allowed = 0
if n < count then
  redis.call("ZADD", KEYS[1], now, ARGV[4])
  n = n + 1
  allowed = 1
end
if n == 0 then
  return {allowed, count, 0, 0}
end

local newest = tonumber(redis.call("ZRANGE", KEYS[1], -1, -1, "WITHSCORES")[2])
local reset = newest + per - now
if allowed == 1 then
  -- The key expires when its newest event leaves the window: from then
  -- on it holds nothing, exactly as if it had never been written.
  redis.call("PEXPIRE", KEYS[1], string.format("%d", math.ceil(reset / 1000)))
end
local retry = 0
if n >= count then
  retry = tonumber(redis.call("ZRANGE", KEYS[1], n - count, n - count, "WITHSCORES")[2]) + per - now
end
return {allowed, math.max(0, count - n), retry, reset}
