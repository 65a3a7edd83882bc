-- Breaker gate, prepended to each counting script (see redis-counter.store.ts) so the open check
-- costs no extra round trip. The breaker hash holds: state ("closed" when absent | "open" |
-- "half_open"), opened_at (ms, Redis clock), probes (half-open calls let through), probe_ok.
--
-- mode: 0 = breaker disabled, 1 = automatic, 2 = forced closed (forced open never reaches Redis).
-- peek: 1 for a check-only call (Envoy hits_addend 0): it reads the state and changes nothing.
-- Returns: blocked (0|1), state code (0 closed, 1 open, 2 half-open, 3 disabled), retry_after_ms,
--          opened_to_half (1 when this call moved OPEN -> HALF_OPEN), probe (1 when let through as a probe)
local function breaker_gate(key, now, mode, open_ms, max_probes, peek)
  if mode == 0 then return 0, 3, 0, 0, 0 end
  if mode == 2 then return 0, 0, 0, 0, 0 end
  local st = redis.call('HMGET', key, 'state', 'opened_at', 'probes')
  local state = st[1] or 'closed'
  local moved = 0
  if state == 'open' then
    local left = tonumber(st[2] or '0') + open_ms - now
    if left > 0 then return 1, 1, math.ceil(left), 0, 0 end
    if peek == 1 then return 0, 2, 0, 0, 0 end
    redis.call('HSET', key, 'state', 'half_open', 'probes', 0, 'probe_ok', 0)
    state, st[3], moved = 'half_open', '0', 1
  end
  if state == 'half_open' then
    if tonumber(st[3] or '0') >= max_probes then return 1, 2, open_ms, moved, 0 end
    if peek == 1 then return 0, 2, 0, moved, 0 end
    redis.call('HINCRBY', key, 'probes', 1)
    return 0, 2, 0, moved, 1
  end
  return 0, 0, 0, 0, 0
end

local function breaker_return_probe(key)
  redis.call('HINCRBY', key, 'probes', -1)
end
