-- Tells every other node with members in a room that its board was deleted.
-- KEYS[1]: the room's hash. ARGV: 1 this node, 2 the `room-deleted` event,
-- 3 node channel prefix. Answers how many nodes were told.
local told = {}
local count = 0
for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
  local node = cjson.decode(value).node
  if node ~= ARGV[1] and not told[node] then
    told[node] = true
    count = count + 1
    redis.call('PUBLISH', ARGV[3] .. node, ARGV[2])
  end
end
return count
