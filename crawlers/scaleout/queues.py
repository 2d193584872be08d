"""A per-site round-robin frontier for scrapy-redis.

scrapy-redis' default PriorityQueue (a sorted set) pops by priority then insertion, so a crawl that
discovers one site's 500 articles drains that site before touching the next: with a per-site rate
limit, N workers then all wait on one site. Here every site has its own FIFO list and pops take
sites in turn (a ring of the sites that have work), so all sites progress at once. Push and pop are
Lua scripts: atomic across workers, one round trip each.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy_redis.queue import Base

_PUSH = """
redis.call('LPUSH', KEYS[3], ARGV[2])
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then redis.call('LPUSH', KEYS[1], ARGV[1]) end
return redis.call('INCR', KEYS[4])
"""

# KEYS: ring, ring-set, counter; ARGV: per-site list prefix
_POP = """
local n = redis.call('LLEN', KEYS[1])
for i = 1, n do
  local site = redis.call('RPOPLPUSH', KEYS[1], KEYS[1])
  if not site then return false end
  local q = ARGV[1] .. site
  local data = redis.call('RPOP', q)
  if redis.call('LLEN', q) == 0 then
    redis.call('LREM', KEYS[1], 0, site)
    redis.call('SREM', KEYS[2], site)
  end
  if data then
    redis.call('DECR', KEYS[3])
    return data
  end
end
return false
"""


def site_of(url: str) -> str:
    """The politeness unit: host[:port] of the request URL (never the proxy's)."""
    return (urlsplit(url).netloc or "").lower()


class RoundRobinQueue(Base):
    """Per-site FIFO lists under `<key>:q:<site>`, served one site after another."""

    def __init__(self, server, spider, key, serializer=None):  # type: ignore[no-untyped-def]
        super().__init__(server, spider, key, serializer)
        self.ring = f"{self.key}:sites"
        self.ring_set = f"{self.key}:sites:set"
        self.counter = f"{self.key}:n"
        self.qprefix = f"{self.key}:q:"
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)

    def __len__(self) -> int:
        return int(self.server.get(self.counter) or 0)

    def push(self, request) -> None:  # type: ignore[no-untyped-def]
        site = site_of(request.url)
        self._push(keys=[self.ring, self.ring_set, self.qprefix + site, self.counter],
                   args=[site, self._encode_request(request)])

    def pop(self, timeout: int = 0):  # type: ignore[no-untyped-def]
        data = self._pop(keys=[self.ring, self.ring_set, self.counter], args=[self.qprefix])
        return self._decode_request(data) if data else None

    def sites(self) -> dict[str, int]:
        """Queued requests per site (for monitoring)."""
        names = [s.decode() if isinstance(s, bytes) else s for s in self.server.smembers(self.ring_set)]
        return {s: int(self.server.llen(self.qprefix + s)) for s in sorted(names)}

    def clear(self) -> None:
        names = list(self.server.smembers(self.ring_set))
        for s in names:
            self.server.delete(self.qprefix + (s.decode() if isinstance(s, bytes) else s))
        self.server.delete(self.ring, self.ring_set, self.counter)
