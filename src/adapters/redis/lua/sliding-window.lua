-- Exact sliding window ("sliding log"): at most LIMIT hits are admitted in ANY half-open interval
-- of WINDOW ms, however it is aligned, across every instance. Each admission is one ZSET member
-- scored by its Redis-clock time (ms with µs precision); the meta hash keeps the running total of
-- hits in the window so a call never sums the log. Rejected calls change nothing.
--
-- KEYS[base+1]  ZSET  admissions: member "<seq>:<hits>", score = admission time in ms
-- KEYS[base+2]  HASH  meta: n = hits inside the window, seq = last member sequence number,
--                last = time of the newest admission (ms)
-- KEYS[base+3]  HASH  the rule's breaker
--                  ARGV per decision as in counting-prelude.lua, SPAN = the window in ms
local function hits_of(member)
  return tonumber(string.match(member, ':(%d+)$'))
end

-- Per call (counting-prelude.lua): each meta hash is read once and written once at the end, and
-- each log is swept of expired admissions once per cutoff (every decision of the call shares `now`).
local metas, swept = {}, {}

local function meta_of(key)
  local meta = metas[key]
  if meta == nil then
    local stored = redis.call('HMGET', key, 'n', 'seq', 'last')
    meta = { n = tonumber(stored[1] or '0'), seq = tonumber(stored[2] or '0'), last = tonumber(stored[3]) }
    metas[key] = meta
  end
  return meta
end

local function write_metas()
  for key, meta in pairs(metas) do
    if meta.dirty then
      if meta.last ~= nil then
        redis.call('HSET', key, 'n', meta.n, 'seq', meta.seq, 'last', meta.last)
      else
        redis.call('HSET', key, 'n', meta.n)
      end
    end
  end
end

local function count(base, limit, span, hits, admit)
  local log, meta_key = KEYS[base + 1], KEYS[base + 2]
  local window = span
  local cutoff = now - window
  local meta = meta_of(meta_key)

  -- Forget admissions at or before now - WINDOW: they are outside every interval that holds now.
  if swept[log] == nil or swept[log] < cutoff then
    swept[log] = cutoff
    if meta.n > 0 and meta.last ~= nil and meta.last <= cutoff then
      -- After a quiet spell every admission has expired: drop them all without reading them.
      redis.call('DEL', log)
      meta.n, meta.dirty = 0, true
    end
    if meta.n > 0 then
      local expired = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
      if #expired > 0 then
        for i = 1, #expired do meta.n = meta.n - hits_of(expired[i]) end
        if meta.n < 0 then meta.n = 0 end
        redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
        meta.dirty = true
      end
    end
  end
  local n, last = meta.n, meta.last

  local admitted, over = admit(n)

  if admitted == 1 and hits > 0 then
    meta.seq = meta.seq + 1
    redis.call('ZADD', log, now, meta.seq .. ':' .. hits)
    n, last = n + hits, now
    meta.n, meta.last, meta.dirty = n, last, true
    local ttl = math.ceil(window) + 1000
    expire_at_end(log, ttl)
    expire_at_end(meta_key, ttl)
  end

  -- When could the same call pass? When the oldest admissions holding the excess have expired.
  -- Bounded work whatever the budget: every admission holds at least one hit, so once the first
  -- `need` admissions have left the window at least `need` hits have — the admission at rank
  -- need-1 bounds the wait (exact when each admission took one hit). A short excess is walked for
  -- the exact answer.
  local retry = 0
  if admitted == 0 then
    local need = n + hits - limit
    if hits > limit then
      retry = window
    elseif need <= 64 then
      local entries = redis.call('ZRANGE', log, 0, need - 1, 'WITHSCORES')
      local acc = 0
      for i = 1, #entries, 2 do
        acc = acc + hits_of(entries[i])
        if acc >= need then
          retry = math.max(1, math.ceil(tonumber(entries[i + 1]) + window - now))
          break
        end
      end
    else
      local bound = redis.call('ZRANGE', log, need - 1, need - 1, 'WITHSCORES')
      if #bound == 2 then retry = math.max(1, math.ceil(tonumber(bound[2]) + window - now)) end
    end
    if retry == 0 then retry = math.ceil(window) end
  end

  -- The whole budget is back when the newest admission leaves the window: this one, if admitted.
  local reset = 0
  if admitted == 1 and hits > 0 then
    reset = math.ceil(window)
  elseif n > 0 and last ~= nil then
    reset = math.max(0, math.ceil(last + window - now))
  elseif n > 0 then
    local newest = redis.call('ZRANGE', log, -1, -1, 'WITHSCORES')
    if #newest == 2 then reset = math.max(0, math.ceil(tonumber(newest[2]) + window - now)) end
  end

  return admitted, over, limit - n, retry, reset
end

return count_each(count, write_metas)
