-- Token bucket as GCRA (generic cell rate algorithm): the bucket is one stored time, TAT — when
-- the bucket would be full again. A token is 1 / RATE ms; the bucket holds CAPACITY (the rule's
-- burst) of them, i.e. DEPTH = CAPACITY / RATE ms. A call of HITS passes if, after it, the bucket
-- would be full again no later than DEPTH from now. Cheaper than keeping a count and a stamp: one
-- string, read and written once per call (counting-prelude.lua; a rejection writes nothing). TAT never moves
-- back, so a Redis clock stepping back refills nothing twice. Core resources under "degrade" may
-- go OVERDRAFT tokens into debt.
--
-- KEYS[base+1]  STRING  TAT in ms (absent = full bucket); expires when the bucket is full again
-- KEYS[base+2]  HASH    the rule's breaker
--                  ARGV per decision as in counting-prelude.lua, LIMIT = the capacity,
--                  SPAN = the refill in tokens per ms
local function count(base, limit, span, hits, admit)
  local capacity, rate = limit, span
  local token = 1 / rate
  local depth = capacity * token

  local tat = tonumber(read_string(KEYS[base + 1]) or '0')
  if tat < now then tat = now end
  -- Tokens in the bucket now (negative in debt), and whether this call fits.
  local available = (depth - (tat - now)) / token
  local admitted, over = admit(capacity - available)
  if admitted == 1 and hits > 0 then
    tat = tat + hits * token
    available = available - hits
    write_string(KEYS[base + 1], tat, math.ceil(tat - now) + 1000)
  end

  local retry = 0
  if admitted == 0 then
    if hits > capacity then retry = math.ceil(depth) else retry = math.max(1, math.ceil((hits - available) * token)) end
  end
  return admitted, over, available, retry, math.ceil(tat - now)
end

return count_each(count)
