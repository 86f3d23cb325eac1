-- Adds a member to a room across the cluster, atomically with the room-size
-- check and the announcement to the other nodes (so two members joining on two
-- nodes at once each either see the other in their welcome or hear of it).
-- Members of nodes whose heartbeat expired are removed on the way.
-- The member's colour is picked here too, from what every node's members of
-- the room hold (see signal/colours.rs), so two joins on two nodes at once
-- never pick alike. A colour held by the same user (its earlier connection,
-- whose leave has not arrived yet) counts as free for it. The colour the user
-- last had in the room, remembered here for every node, is preferred.
-- KEYS[1]: the room's hash (member id -> {"node", "user", "peer"} JSON).
-- KEYS[2]: the room's remembered colours (user digest -> colour).
-- KEYS[3]: when each remembered user last joined (user digest, scored by time).
-- ARGV: 1 member id, 2 its JSON, 3 this node, 4 room limit (members who are
-- not keepers), 5 "1" for a keeper, 6 the `joined` event, 7 heartbeat key
-- prefix, 8 node channel prefix, 9 the member's user id, 10 how long the
-- colours are remembered (ms), 11 how many users' colours are remembered,
-- 12 the colour when every preferred one is held ("": keep the member's
-- colour), 13 the room's lifetime (ms; see members.lua), 14... the preferred
-- colours, best first.
-- Answers {"ok", the member's colour, member JSON...} (everyone else in the
-- room) or {"full", count}.
local entries = redis.call('HGETALL', KEYS[1])
local others, people, held = {}, 0, {}
for i = 1, #entries, 2 do
  local member = cjson.decode(entries[i + 1])
  if redis.call('EXISTS', ARGV[7] .. member.node) == 0 then
    redis.call('HDEL', KEYS[1], entries[i])
  elseif entries[i] ~= ARGV[1] then
    if not member.peer.keeper then
      people = people + 1
      if member.user ~= ARGV[9] then
        held[member.peer.colour] = true
      end
    end
    others[#others + 1] = entries[i + 1]
  end
end
if ARGV[5] ~= '1' and people >= tonumber(ARGV[4]) then
  return {'full', tostring(people)}
end
local me, joined = ARGV[2], ARGV[6]
local colour = cjson.decode(me).peer.colour
if ARGV[12] ~= '' then
  local seat = redis.sha1hex(ARGV[9])
  local last = redis.call('HGET', KEYS[2], seat)
  if last and not held[last] then
    colour = last
  else
    colour = ARGV[12]
    for i = 14, #ARGV do
      if not held[ARGV[i]] then
        colour = ARGV[i]
        break
      end
    end
  end
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[2], seat, colour)
  redis.call('ZADD', KEYS[3], tonumber(now[1]) * 1000000 + tonumber(now[2]), seat)
  local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[11])
  if excess > 0 then
    local forgotten = redis.call('ZPOPMIN', KEYS[3], excess)
    for i = 1, #forgotten, 2 do
      redis.call('HDEL', KEYS[2], forgotten[i])
    end
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[10])
  redis.call('PEXPIRE', KEYS[3], ARGV[10])
  local member = cjson.decode(me)
  member.peer.colour = colour
  me = cjson.encode(member)
  local event = cjson.decode(joined)
  event.member.peer.colour = colour
  joined = cjson.encode(event)
end
redis.call('HSET', KEYS[1], ARGV[1], me)
redis.call('PEXPIRE', KEYS[1], ARGV[13])
local told = {}
for _, value in ipairs(others) do
  local node = cjson.decode(value).node
  if node ~= ARGV[3] and not told[node] then
    told[node] = true
    redis.call('PUBLISH', ARGV[8] .. node, joined)
  end
end
table.insert(others, 1, colour)
table.insert(others, 1, 'ok')
return others
