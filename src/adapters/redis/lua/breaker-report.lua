-- Records gateway-reported outcomes for one rule's breaker and moves it between states
-- (the one breaker state machine, with breaker-gate.lua: atomic, on the Redis clock; tested by
-- test/integration/redis-breaker.int-spec.ts).
--
-- KEYS[1]  HASH  breaker: state, opened_at, probes, probe_ok (see breaker-gate.lua)
-- KEYS[2]  HASH  outcome stats: t<n>, f<n>, s<n> = total, failed, slow outcomes in bucket n
--                (a bucket is STAT_MS / 10 ms long; the window is the last 10 buckets)
-- ARGV[1]  STAT_MS   stat window length in ms
-- ARGV[2]  MIN_REQ   outcomes needed in the window before rates count
-- ARGV[3]  ERR_RATE  error-rate threshold (0..1]
-- ARGV[4]  SLOW_RATE slow-call-rate threshold (0..1]
-- ARGV[5]  OPEN_MS   how long the breaker stays open
-- ARGV[6]  HALF_MAX  probes in half-open (successes needed to close)
-- ARGV[7..9] TOTAL, FAILED, SLOW outcomes in this report (0, 0, 0 = only read the state)
-- Returns {from state code, to state code, window total, error rate ×1e6, slow rate ×1e6}
--         state codes: 0 closed, 1 open, 2 half-open
local stat_ms, min_req = tonumber(ARGV[1]), tonumber(ARGV[2])
local err_rate, slow_rate = tonumber(ARGV[3]), tonumber(ARGV[4])
local open_ms, half_max = tonumber(ARGV[5]), tonumber(ARGV[6])
local total, failed, slow = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local CODE = { closed = 0, open = 1, half_open = 2 }
local ttl = math.ceil(stat_ms * 2 + open_ms) + 60000

local st = redis.call('HMGET', KEYS[1], 'state', 'opened_at', 'probe_ok')
local state = st[1] or 'closed'
local from = state

local function window_sums(n)
  local fields = {}
  for i = n - 9, n do
    fields[#fields + 1] = 't' .. i
    fields[#fields + 1] = 'f' .. i
    fields[#fields + 1] = 's' .. i
  end
  local v = redis.call('HMGET', KEYS[2], unpack(fields))
  local st_, sf, ss = 0, 0, 0
  for i = 1, #v, 3 do
    st_ = st_ + tonumber(v[i] or '0')
    sf = sf + tonumber(v[i + 1] or '0')
    ss = ss + tonumber(v[i + 2] or '0')
  end
  return st_, sf, ss
end

local function rates(tt, ff, sl)
  if tt == 0 then return 0, 0 end
  return math.floor(ff / tt * 1e6), math.floor(sl / tt * 1e6)
end

local bucket_ms = math.max(1, math.floor(stat_ms / 10))
local n = math.floor(now / bucket_ms)

if total == 0 then
  local wt, wf, ws = window_sums(n)
  local er, sr = rates(wt, wf, ws)
  return {CODE[state], CODE[state], wt, er, sr}
end

if state == 'open' then
  if now - tonumber(st[2] or '0') < open_ms then return {1, 1, 0, 0, 0} end
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'probes', 0, 'probe_ok', 0)
  state, st[3] = 'half_open', '0'
end

if state == 'half_open' then
  local er, sr = rates(total, failed, slow)
  if failed > 0 or slow > 0 then
    redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', now, 'probes', 0, 'probe_ok', 0)
    redis.call('PEXPIRE', KEYS[1], ttl)
    return {CODE[from], 1, total, er, sr}
  end
  local ok = redis.call('HINCRBY', KEYS[1], 'probe_ok', total)
  if ok >= half_max then
    redis.call('DEL', KEYS[1], KEYS[2])
    return {CODE[from], 0, total, er, sr}
  end
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {CODE[from], 2, total, er, sr}
end

redis.call('HINCRBY', KEYS[2], 't' .. n, total)
if failed > 0 then redis.call('HINCRBY', KEYS[2], 'f' .. n, failed) end
if slow > 0 then redis.call('HINCRBY', KEYS[2], 's' .. n, slow) end
-- Reports may skip buckets, so any bucket may go stale: past 10 buckets' worth of fields, drop
-- every field older than the window (at most 33 fields are ever read here).
if redis.call('HLEN', KEYS[2]) > 30 then
  local stale = {}
  for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
    if tonumber(string.sub(field, 2)) <= n - 10 then stale[#stale + 1] = field end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[2], unpack(stale)) end
end
redis.call('PEXPIRE', KEYS[2], ttl)

local wt, wf, ws = window_sums(n)
local er, sr = rates(wt, wf, ws)
if wt >= min_req and (wf / wt >= err_rate or ws / wt >= slow_rate) then
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', now, 'probes', 0, 'probe_ok', 0)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('DEL', KEYS[2])
  return {CODE[from], 1, wt, er, sr}
end
return {CODE[from], CODE[state], wt, er, sr}
