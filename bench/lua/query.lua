-- Query: a 10-item sort-key range in the preloaded partition "q"
-- (sort keys s0000..s0099); each answer must count exactly 10 items.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local c = require("common")

local prefix = '{"TableName":"' .. c.table_name .. '",' ..
  '"KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b",' ..
  '"ExpressionAttributeValues":{":p":{"S":"q"},":a":{"S":"'
c.install("Query",
  function()
    local a = math.random(0, 90)
    return prefix .. string.format('s%04d"},":b":{"S":"s%04d"}}}', a, a + 9)
  end,
  function(body)
    return string.find(body, '"Count":10', 1, true) ~= nil and
      not string.find(body, "LastEvaluatedKey", 1, true)
  end)
