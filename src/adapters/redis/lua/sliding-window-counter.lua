-- Sliding window counter (approximate): the previous and the current fixed bucket of WINDOW ms,
-- aligned to the Redis clock; the previous one counts in proportion to how much of it the sliding
-- window still overlaps (estimate = prev × (1 − elapsed / WINDOW) + cur). O(1) memory per key,
-- whatever the budget. Exact when traffic is even within a bucket; traffic bunched at the end of
-- the previous bucket is still fully inside the window but only partly counted, so it can be
-- over-admitted (up to about twice the budget in the worst case; see BENCHMARKS.md). Rejected
-- calls change nothing.
--
-- KEYS[base+1]  STRING  "k:cur:prev": the current bucket number (floor(time / WINDOW)), the hits in
--                  it and in bucket k − 1 (one string, read and written once per call: counting-prelude.lua)
-- KEYS[base+2]  HASH  the rule's breaker
--                  ARGV per decision as in counting-prelude.lua, SPAN = the window in ms
local function count(base, limit, span, hits, admit)
  local window = span
  local k = math.floor(now / window)
  local elapsed = now - k * window
  local fk, fc, fp = string.match(read_string(KEYS[base + 1]) or '', '^(%d+):([%d.]+):([%d.]+)$')
  local sk, cur, prev = tonumber(fk), tonumber(fc or '0'), tonumber(fp or '0')
  if sk == nil or sk < k - 1 then
    cur, prev = 0, 0
  elseif sk == k - 1 then
    cur, prev = 0, cur
  end
  local weight = 1 - elapsed / window
  local estimate = prev * weight + cur

  local admitted, over = admit(estimate)

  if admitted == 1 and hits > 0 then
    cur = cur + hits
    estimate = estimate + hits
    -- The current bucket still counts through the whole next one.
    write_string(KEYS[base + 1], k .. ':' .. cur .. ':' .. prev, math.ceil(2 * window - elapsed) + 1000)
  end

  -- When could the same call pass? Within this bucket the estimate falls as the previous bucket's
  -- weight does; failing that, in the next bucket, where this bucket becomes the previous one.
  local left = window - elapsed
  local retry = 0
  if admitted == 0 then
    if hits > limit then
      retry = window
    elseif cur + hits <= limit and prev > 0 then
      retry = math.max(1, math.ceil(window * (1 - (limit - cur - hits) / prev) - elapsed))
    else
      retry = math.max(1, math.ceil(left + window * (1 - (limit - hits) / cur)))
    end
  end

  -- The whole budget is back once nothing counted remains in the window.
  local reset = 0
  if cur > 0 then reset = math.ceil(left + window) elseif prev > 0 then reset = math.ceil(left) end

  return admitted, over, limit - estimate, retry, reset
end

return count_each(count)
