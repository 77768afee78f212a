-- wrk script for run.mjs (LOAD=wrk): what a mesh sends, like the autocannon load: x-request-id
-- (a UUID v4) and B3 multi with fresh random IDs, from a pool of 256 requests built at start.
local hex = "0123456789abcdef"

local function randomHex(length)
  local digits = {}
  for index = 1, length do
    local at = math.random(1, 16)
    digits[index] = hex:sub(at, at)
  end
  return table.concat(digits)
end

local pool = {}
local next = 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  for index = 1, 256 do
    pool[index] = wrk.format("GET", "/", {
      ["x-request-id"] = randomHex(8) .. "-" .. randomHex(4) .. "-4" .. randomHex(3) .. "-a"
        .. randomHex(3) .. "-" .. randomHex(12),
      ["x-b3-traceid"] = randomHex(32),
      ["x-b3-spanid"] = randomHex(16),
      ["x-b3-parentspanid"] = randomHex(16),
      ["x-b3-sampled"] = "1",
    })
  end
end

function request()
  next = next % 256 + 1
  return pool[next]
end
