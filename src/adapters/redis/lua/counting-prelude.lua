-- Shared start of every counting script (counting-scripts.ts builds the call): the argument
-- layout, the Redis clock, and the breaker gate, so the open check rides in the same call.
--
-- KEYS[1..n-1]  the algorithm's counter keys (see each script)
-- KEYS[n]       HASH  the rule's breaker (breaker-gate.lua)
-- ARGV[1]  LIMIT     hits admitted per window; for the token bucket its capacity (burst)
-- ARGV[2]  SPAN      window length in ms; for the token bucket its refill in tokens per ms
-- ARGV[3]  HITS      hits this call asks for (0 = check only: answer, change nothing)
-- ARGV[4]  OVERDRAFT extra hits allowed past LIMIT (core resources under "degrade"); 0 = none
-- ARGV[5..7] breaker mode, open ms, half-open max calls (breaker-gate.lua)
-- Every counting script returns through finish():
--   {admitted 0|1, over_limit 0|1, remaining, retry_after_ms, reset_after_ms,
--    breaker_blocked 0|1, breaker_state, breaker_opened_to_half 0|1, redis_time_us}
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local hits = tonumber(ARGV[3])
local overdraft = tonumber(ARGV[4])
local BREAKER = KEYS[#KEYS]

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000

local blocked, bstate, bretry, bmoved, probe = breaker_gate(BREAKER, now, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), hits == 0 and 1 or 0)
-- The decision's Redis time in µs rides along (accuracy measurements, logs); it costs no command.
local now_us = math.floor(now * 1000)
if blocked == 1 then return {0, 0, 0, bretry, 0, 1, bstate, bmoved, now_us} end

-- Whether the call passes on the budget left (`used` counted so far), or on the overdraft.
local function admit(used)
  if used + hits <= limit then return 1, 0 end
  if overdraft > 0 and used + hits <= limit + overdraft then return 1, 1 end
  return 0, 0
end

local function finish(admitted, over, remaining, retry, reset)
  if admitted == 0 and probe == 1 then breaker_return_probe(BREAKER) end
  if remaining < 0 then remaining = 0 end
  return {admitted, over, math.floor(remaining), retry, reset, 0, bstate, bmoved, now_us}
end
