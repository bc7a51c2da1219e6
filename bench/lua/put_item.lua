-- PutItem of ~200-byte items, random keys over BENCH_KEY_SPACE (100k).
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local c = require("common")

local prefix = '{"TableName":"' .. c.table_name .. '","Item":'
c.install("PutItem",
  function()
    local k = math.random(0, c.key_space - 1)
    return prefix .. c.item("p" .. k, "s", k) .. "}"
  end,
  function(body)
    return string.sub(body, 1, 1) == "{" and not string.find(body, "__type", 1, true)
  end)
