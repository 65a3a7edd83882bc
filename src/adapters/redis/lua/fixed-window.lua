-- Fixed window: one counter per window of WINDOW ms, aligned to the Redis clock (windows start at
-- multiples of WINDOW). The cheapest algorithm; a caller can get up to 2 × LIMIT through in WINDOW
-- ms by spending one budget at the end of a window and the next at the start of the following
-- one. Rejected calls change nothing.
--
-- KEYS[base+1]  STRING  "k:n": the window number (floor(time / WINDOW)) and the hits admitted in it
--                  (one string, read and written once per call: counting-prelude.lua)
-- KEYS[base+2]  HASH  the rule's breaker
--                  ARGV per decision as in counting-prelude.lua, SPAN = the window in ms
local function count(base, limit, span, hits, admit)
  local window = span
  local k = math.floor(now / window)
  local left = (k + 1) * window - now
  local sk, sn = string.match(read_string(KEYS[base + 1]) or '', '^(%d+):(%d+)$')
  local n = 0
  if tonumber(sk) == k then n = tonumber(sn) end

  local admitted, over = admit(n)
  if admitted == 1 and hits > 0 then
    n = n + hits
    write_string(KEYS[base + 1], k .. ':' .. n, math.ceil(left) + 1000)
  end

  local retry = 0
  if admitted == 0 and hits > limit then
    retry = window
  elseif admitted == 0 then
    retry = math.max(1, math.ceil(left))
  end
  local reset = 0
  if n > 0 then reset = math.ceil(left) end
  return admitted, over, limit - n, retry, reset
end

return count_each(count)
