-- Removes a member from a room and tells the other nodes with members there.
-- KEYS[1]: the room's hash. ARGV: 1 member id, 2 this node, 3 the `left`
-- event, 4 node channel prefix.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local told = {}
for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
  local node = cjson.decode(value).node
  if node ~= ARGV[2] and not told[node] then
    told[node] = true
    redis.call('PUBLISH', ARGV[4] .. node, ARGV[3])
  end
end
return 1
