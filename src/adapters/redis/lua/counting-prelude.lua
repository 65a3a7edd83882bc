-- Shared start of every counting script (counting-scripts.ts builds the call): the argument
-- layout, the Redis clock, the breaker gate, and the loop over the call's decisions, so one call
-- can count several decisions of one rule (one hash slot) and the open check rides along.
--
-- ARGV[1]  N  decisions in this call (1 or more); they are counted in order, each one seeing
--             what the ones before it wrote
-- Decision d (0-based) has KEYS[d×S + 1 .. d×S + S], S = #KEYS / N:
--   the algorithm's counter keys (see each script), then the rule's breaker HASH (breaker-gate.lua)
-- and ARGV[d×7 + 2 .. d×7 + 8]:
--   LIMIT     hits admitted per window; for the token bucket its capacity (burst)
--   SPAN      window length in ms; for the token bucket its refill in tokens per ms
--   HITS      hits this decision asks for (0 = check only: answer, change nothing)
--   OVERDRAFT extra hits allowed past LIMIT (core resources under "degrade"); 0 = none
--   breaker mode, open ms, half-open max calls (breaker-gate.lua)
-- Returns 9 values per decision, in order:
--   {admitted 0|1, over_limit 0|1, remaining, retry_after_ms, reset_after_ms,
--    breaker_blocked 0|1, breaker_state, breaker_opened_to_half 0|1, redis_time_us}
-- or, for a decision whose counting raised an error (a bad argument, a key of the wrong type):
--   {-1, error text, 0, ...}; the call's other decisions are counted and written as usual.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
-- The decision's Redis time in µs rides along (accuracy measurements, logs); it costs no command.
local now_us = math.floor(now * 1000)

-- What the decisions of one call write to their keys is kept here and written once at the end:
-- they all share `now`, so a counter string is read once and set once (its last value, with its
-- last TTL), and a key's expiry is renewed once, however many of the call's decisions touch it.
local strings, dirty_strings, expiries = {}, {}, {}

local function read_string(key)
  local value = strings[key]
  if value == nil then
    value = redis.call('GET', key)
    strings[key] = value
  end
  if value == false then return nil end
  return value
end

local function write_string(key, value, ttl_ms)
  strings[key] = value
  dirty_strings[key] = ttl_ms
end

local function expire_at_end(key, ttl_ms)
  expiries[key] = math.max(expiries[key] or 0, ttl_ms)
end

-- Runs count(base, limit, span, hits, admit) for each decision, where KEYS[base+1 ..] are its
-- counter keys and admit(used) says whether it passes on the budget left (`used` counted so
-- far) or on the overdraft. count returns admitted, over_limit, remaining, retry_after_ms and
-- reset_after_ms. `finish`, if given, runs after the last decision, before the writes above.
local function count_each(count, finish)
  local n = tonumber(ARGV[1])
  local stride = #KEYS / n
  local replies = {}
  local function decide(d)
    local a = d * 7 + 1
    local limit, span = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local hits, overdraft = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    if not (limit and span and span > 0 and hits and hits >= 0 and overdraft) then
      error('bad counting arguments for decision ' .. (d + 1))
    end
    local breaker = KEYS[(d + 1) * stride]
    local blocked, bstate, bretry, bmoved, probe = breaker_gate(breaker, now,
      tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7]), hits == 0 and 1 or 0)
    if blocked == 1 then return {0, 0, 0, bretry, 0, 1, bstate, bmoved, now_us} end
    local function admit(used)
      if used + hits <= limit then return 1, 0 end
      if overdraft > 0 and used + hits <= limit + overdraft then return 1, 1 end
      return 0, 0
    end
    local ok, admitted, over, remaining, retry, reset = pcall(count, d * stride, limit, span, hits, admit)
    if not ok then
      if probe == 1 then breaker_return_probe(breaker) end
      error(admitted)
    end
    if admitted == 0 and probe == 1 then breaker_return_probe(breaker) end
    if remaining < 0 then remaining = 0 end
    return {admitted, over, math.floor(remaining), retry, reset, 0, bstate, bmoved, now_us}
  end
  -- One decision's error answers that decision only: the others keep their counts, and what
  -- they changed is still written below, so the keys stay consistent with one another.
  for d = 0, n - 1 do
    local ok, reply = pcall(decide, d)
    if not ok then
      local text = type(reply) == 'table' and (reply.err or '?') or tostring(reply)
      reply = {-1, text, 0, 0, 0, 0, 0, 0, now_us}
    end
    for i = 1, 9 do replies[d * 9 + i] = reply[i] end
  end
  if finish then finish() end
  for key, ttl in pairs(dirty_strings) do redis.call('SET', key, strings[key], 'PX', ttl) end
  for key, ttl in pairs(expiries) do redis.call('PEXPIRE', key, ttl) end
  return replies
end
