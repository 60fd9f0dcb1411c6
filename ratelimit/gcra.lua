-- GCRA (ITU-T I.371 Annex A, virtual scheduling) for one key, atomically.
-- The same algorithm as gcra in limiter.go; keep them in step.
--
-- KEYS[1]  the key; its value is the theoretical arrival time (TAT).
-- ARGV[1]  now, Unix microseconds, from the caller's clock.
-- ARGV[2]  emission interval Per/Count, microseconds (>= 1).
-- ARGV[3]  Count, the burst.
-- ARGV[4]  "1" to peek (decide without recording), "0" to allow.
--
-- Returns {allowed (1 or 0), remaining, retry_after_us, reset_after_us}.
-- Times stay below 2^53 microseconds, so Lua's doubles hold them exactly.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = interval * tonumber(ARGV[3])
local peek = ARGV[4] == "1"

local tat = now
local stored = redis.call("GET", KEYS[1])
if stored then
  tat = math.max(tonumber(stored), now)
end

local allowed = tat + interval - window <= now
if allowed and not peek then
  tat = tat + interval
  -- The key expires when its TAT passes: from then on it is at full burst,
  -- exactly as if it had never been written.
  local ttl_ms = math.ceil((tat - now) / 1000)
  redis.call("SET", KEYS[1], string.format("%d", tat), "PX", string.format("%d", ttl_ms))
end

local remaining = math.max(0, math.floor((window - (tat - now)) / interval))
local retry = math.max(0, tat + interval - window - now)
return {allowed and 1 or 0, remaining, retry, tat - now}
