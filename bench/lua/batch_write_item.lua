-- BatchWriteItem of 25 ~200-byte items with distinct random keys over
-- BENCH_KEY_SPACE; each answer must leave no item unprocessed.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local c = require("common")

local prefix = '{"RequestItems":{"' .. c.table_name .. '":['
c.install("BatchWriteItem",
  function()
    local base = math.random(0, c.key_space - 1)
    local puts = {}
    for i = 0, 24 do
      local k = (base + i) % c.key_space  -- 25 consecutive keys: never a duplicate
      puts[#puts + 1] = '{"PutRequest":{"Item":' .. c.item("b" .. k, "s", k) .. "}}"
    end
    return prefix .. table.concat(puts, ",") .. "]}}"
  end,
  function(body)
    return string.find(body, '"UnprocessedItems":{}', 1, true) ~= nil
  end)
