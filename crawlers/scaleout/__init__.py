"""Scale-out: the same Scrapy crawl on N workers (processes or machines) over a shared Redis frontier.

- settings.redis_settings(): the scrapy-redis scheduler/dupefilter settings (persistent frontier,
  per-site round-robin queue, seeds from the registry, idle stop rule, shared per-site rate limit).
- queues.RoundRobinQueue: one FIFO list per site, popped site by site in turn (atomic, in Lua).
- ratelimit.SharedRateLimitMiddleware: each site's next send time reserved atomically in Redis.
- frontier.RedisSeedsMixin / with_redis_frontier(): seeds from the Redis start-URL key, idle rule.
- spool.SpoolWriter: per-worker Parquet batches; pipeline/scaleout.py merges them (one writer).
"""
