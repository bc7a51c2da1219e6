-- GetItem of preloaded keys g0..g(BENCH_GET_KEYS-1); each answer must hold the item.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local c = require("common")

local prefix = '{"TableName":"' .. c.table_name .. '","Key":{'
c.install("GetItem",
  function()
    return prefix .. c.key("g" .. math.random(0, c.get_keys - 1), "s") .. "}}"
  end,
  function(body)
    return string.find(body, '"Item":{', 1, true) ~= nil and
      string.find(body, c.payload, 1, true) ~= nil
  end)
