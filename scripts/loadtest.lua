-- wrk script: GET the API feed, rotating the JWTs of many people (one per line in TOKENS_FILE).
-- Used by scripts/loadtest.sh; loopback only.
local tokens = {}
local index = 0

function init(args)
  local path = os.getenv("TOKENS_FILE") or "loadtest-tokens.txt"
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  -- Each thread starts at its own place in the list.
  index = math.random(#tokens)
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[index] })
end
