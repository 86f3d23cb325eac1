-- Delivers a signal to the node of its addressee if sender and addressee are
-- both members of the room: the same room boundary as within one node.
-- KEYS[1]: the room's hash. ARGV: 1 sender, 2 addressee, 3 the `signal`
-- event, 4 node channel prefix. Answers 1 when published, 0 when refused.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local to = redis.call('HGET', KEYS[1], ARGV[2])
if not to then
  return 0
end
redis.call('PUBLISH', ARGV[4] .. cjson.decode(to).node, ARGV[3])
return 1
