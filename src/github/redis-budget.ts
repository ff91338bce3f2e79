// One GitHub write budget per installation for the whole fleet, kept in Redis (REDIS_URL): GitHub's
// secondary rate limits count an installation's writes, whichever replica sends them. A Lua script makes
// each reservation atomic, and it reads Redis's own clock, so replicas whose clocks differ still agree.
import { Redis } from "ioredis";
import type { Log } from "../work-queue.js";
import { limitFor, type PacerOptions, type SharedBudget, type WritePriority } from "./pacer.js";

// KEYS[1]: the installation's recent writes (a sorted set scored by time); KEYS[2]: its last write.
// ARGV: spacing ms, the limit for this priority, a unique member. Returns 0 (reserved) or ms to wait.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hourAgo = now - 3600000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', hourAgo)
local spacing = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = last + spacing - now
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  local untilBudget = tonumber(oldest[2]) - hourAgo
  if untilBudget > wait then wait = untilBudget end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('SET', KEYS[2], now, 'PX', 3600000)
redis.call('PEXPIRE', KEYS[1], 3600000)
return 0
`;

let sequence = 0;

/** The shared budget of one installation. */
export class RedisBudget implements SharedBudget {
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly installation: number,
    private readonly options: Pick<PacerOptions, "spacingMs" | "perHour" | "reservedForDeploys">,
    private readonly log: Log,
  ) {}

  /**
   * Reserves a slot, or says how long to wait. When Redis cannot be asked, the write goes on under this
   * process's own budget (logged once per outage): GitHub's limits are softer than losing the write.
   */
  async take(priority: WritePriority): Promise<number> {
    const key = `capstan:writes:${this.installation}`;
    const member = `${process.pid}-${Date.now()}-${sequence++}`;
    try {
      const wait = await this.redis.eval(
        RESERVE,
        2,
        key,
        `${key}:last`,
        String(this.options.spacingMs),
        String(limitFor(this.options, priority)),
        member,
      );
      this.failing = false;
      return Number(wait);
    } catch (err) {
      if (!this.failing)
        this.log.error({ err }, "Redis is unreachable: GitHub writes use this replica's own budget");
      this.failing = true;
      return 0;
    }
  }
}

/** A Redis client for the shared budgets; it reconnects by itself, and a failed command fails the write. */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
}
