-- Adds a member to a room across the cluster, atomically with the room-size
-- check and the announcement to the other nodes (so two members joining on two
-- nodes at once each either see the other in their welcome or hear of it).
-- Members of nodes whose heartbeat expired are removed on the way.
-- KEYS[1]: the room's hash (member id -> {"node", "peer"} JSON).
-- ARGV: 1 member id, 2 its JSON, 3 this node, 4 room limit (members who are
-- not keepers), 5 "1" for a keeper, 6 the `joined` event, 7 heartbeat key
-- prefix, 8 node channel prefix.
-- Answers {"ok", member JSON...} (everyone else in the room) or {"full", count}.
local entries = redis.call('HGETALL', KEYS[1])
local others, people = {}, 0
for i = 1, #entries, 2 do
  local member = cjson.decode(entries[i + 1])
  if redis.call('EXISTS', ARGV[7] .. member.node) == 0 then
    redis.call('HDEL', KEYS[1], entries[i])
  elseif entries[i] ~= ARGV[1] then
    if not member.peer.keeper then people = people + 1 end
    others[#others + 1] = entries[i + 1]
  end
end
if ARGV[5] ~= '1' and people >= tonumber(ARGV[4]) then
  return {'full', tostring(people)}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local told = {}
for _, value in ipairs(others) do
  local node = cjson.decode(value).node
  if node ~= ARGV[3] and not told[node] then
    told[node] = true
    redis.call('PUBLISH', ARGV[8] .. node, ARGV[6])
  end
end
table.insert(others, 1, 'ok')
return others
