-- Token bucket: refills RATE tokens per ms up to CAPACITY (the rule's burst); a call takes HITS
-- tokens or, if there are not enough, nothing. Core resources under "degrade" may overdraw the
-- bucket down to -OVERDRAFT (a debt repaid by later refill). Time is the Redis clock.
--
-- KEYS[1]  HASH  tokens = tokens after the last call (may be negative), ts = its time in ms
-- KEYS[2]  HASH  the rule's breaker (breaker-gate.lua)
-- ARGV[1]  CAPACITY  bucket size, the rule's burst (>= 1)
-- ARGV[2]  RATE      refill in tokens per ms (qps / 1000)
-- ARGV[3]  HITS      tokens this call asks for (0 = check only: answer, take nothing)
-- ARGV[4]  OVERDRAFT how far below zero a core resource may take the bucket; 0 = none
-- ARGV[5..7] breaker mode, open ms, half-open max calls (breaker-gate.lua)
-- Returns {admitted 0|1, over_limit 0|1, remaining, retry_after_ms, reset_after_ms,
--          breaker_blocked 0|1, breaker_state, breaker_opened_to_half 0|1}
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local hits = tonumber(ARGV[3])
local overdraft = tonumber(ARGV[4])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000

local blocked, bstate, bretry, bmoved, probe = breaker_gate(KEYS[2], now, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), hits == 0 and 1 or 0)
if blocked == 1 then return {0, 0, 0, bretry, 0, 1, bstate, bmoved} end

local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens, ts = capacity, now
end
-- Time never runs backwards here: if the Redis clock stepped back, keep the later stamp, or the
-- span between the two would be refilled twice once the clock caught up.
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end

local admitted, over = 0, 0
if tokens >= hits then
  admitted = 1
elseif overdraft > 0 and tokens - hits >= -overdraft then
  admitted, over = 1, 1
end
if admitted == 1 then tokens = tokens - hits end

redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', ts)
-- Once the bucket would be full again the key carries no information: let it expire. The
-- deepest debt any call may leave is one capacity (a core resource's overdraft), so the TTL
-- covers a refill from there whatever this call's own overdraft: a later call must not shorten it
-- and bring an indebted bucket back full.
redis.call('PEXPIRE', KEYS[1], math.ceil(2 * capacity / rate) + 1000)

local retry = 0
if admitted == 0 then
  if hits > capacity then retry = math.ceil(capacity / rate) else retry = math.max(1, math.ceil((hits - tokens) / rate)) end
end
local reset = math.ceil((capacity - tokens) / rate)
local remaining = math.floor(math.max(tokens, 0))
if admitted == 0 and probe == 1 then breaker_return_probe(KEYS[2]) end
return {admitted, over, remaining, retry, reset, 0, bstate, bmoved}
