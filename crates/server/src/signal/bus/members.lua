-- Repairs a room's membership and answers its members on other nodes.
-- The members of nodes whose heartbeat expired are removed. This node's own
-- entries are made to match the members it has: after Redis lost them (a
-- restart, or this node taken for dead during a partition) they are written
-- again, and an entry for a member that is gone is removed. The caller holds
-- the node's membership lock, so no join or leave of its own runs meanwhile.
-- The hash's lifetime starts again: it outlives the room's last node that
-- has members there by the room lifetime, so a room whose nodes all died
-- leaves nothing behind even if nobody reads it again.
-- KEYS[1]: the room's hash. ARGV: 1 this node, 2 heartbeat key prefix,
-- 3 heartbeat lifetime (ms), 4 room lifetime (ms), then pairs of member id
-- and JSON for this node's members. Answers the other nodes' members' JSON.
redis.call('SET', ARGV[2] .. ARGV[1], 1, 'PX', ARGV[3])
local mine = {}
for i = 5, #ARGV, 2 do
  mine[ARGV[i]] = ARGV[i + 1]
end
local out = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local id, member = entries[i], cjson.decode(entries[i + 1])
  if member.node == ARGV[1] then
    if mine[id] then
      mine[id] = nil
    else
      redis.call('HDEL', KEYS[1], id)
    end
  elseif redis.call('EXISTS', ARGV[2] .. member.node) == 0 then
    redis.call('HDEL', KEYS[1], id)
  else
    out[#out + 1] = entries[i + 1]
  end
end
for id, json in pairs(mine) do
  redis.call('HSET', KEYS[1], id, json)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return out
