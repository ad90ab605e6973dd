public import AmplifiRedis

/// The Lua scripts of ``CarrierConcurrencyBudget``: each call is one atomic `EVALSHA`.
///
/// State of one carrier account (keys from ``QueueKeys/carrierAccount(_:_:)``, one hash tag):
/// - `held` HASH holder → permits the holder may have in flight (its grant, or more while requests
///   started under an earlier grant are still in flight);
/// - `want` HASH holder → permits the holder asked for at its last call (its demand);
/// - `leases` ZSET holder → lease expiry (Redis server milliseconds); a holder whose lease expired is
///   removed from all three, so a killed worker's permits come back after the lease TTL;
/// - `state` HASH: `limit`, the effective (AIMD) budget; `grow_at`, the start of the current growth
///   window; `cut_at`, when the budget was last halved.
///
/// Times come from the server's `TIME`, never a worker's clock. Numbers are written with `%.0f`
/// (Lua 5.1's `tostring` keeps only 14 significant digits).
public enum CarrierConcurrencyScripts {
    /// Shared by every script: `now` (server ms); `budgetNow(state, capacity, growthMs)`, the
    /// effective budget after additive increase — +1 per whole growth window since `grow_at`, never
    /// above `capacity` (a lowered capacity takes effect at once) — with the new `grow_at` (pure:
    /// `keepBudget` writes what the caller keeps); `liveHeld(held, leases)`, the permits held by
    /// holders whose lease has not expired, and how many such holders there are.
    static let prelude = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local function budgetNow(stateKey, capacity, growthMs)
          local s = redis.call('HMGET', stateKey, 'limit', 'grow_at')
          local limit = math.min(tonumber(s[1]) or capacity, capacity)
          local growAt = tonumber(s[2]) or now
          if limit < capacity and growthMs > 0 then
            local windows = math.floor((now - growAt) / growthMs)
            if windows > 0 then
              limit = math.min(capacity, limit + windows)
              growAt = growAt + windows * growthMs
            end
          end
          if limit >= capacity then growAt = now end
          return limit, growAt
        end
        local function keepBudget(stateKey, limit, growAt)
          redis.call('HSET', stateKey, 'limit', limit, 'grow_at', string.format('%.0f', growAt))
          redis.call('PEXPIRE', stateKey, 3600000)
        end
        local function liveHeld(heldKey, leasesKey)
          local total, holders = 0, 0
          local held = redis.call('HGETALL', heldKey)
          for i = 1, #held, 2 do
            local expires = tonumber(redis.call('ZSCORE', leasesKey, held[i]))
            if expires and expires > now then
              total = total + tonumber(held[i + 1])
              holders = holders + 1
            end
          end
          return total, holders
        end

        """

    /// lease — KEYS: held, want, leases, state; ARGV: holder, want, in use, lease ms, capacity,
    /// growth window ms.
    ///
    /// One call acquires, renews, shrinks or releases a holder's lease: it drops expired holders,
    /// brings the budget up to date (additive increase), records the holder's demand and grants
    /// `min(want, fair share, free)`, where `free` is the budget less what every other holder holds,
    /// and the fair share is the water level of max-min fairness over every holder's demand
    /// (`want`), so a busy holder cannot keep the whole budget while another waits: at its next
    /// renewal it is brought down to its share. The holder's `held` becomes `max(grant, in use)`:
    /// requests already in flight stay counted until they end, so after a cut the fleet's count
    /// can stay above the budget until they drain, and nobody is granted more meanwhile. The lease
    /// expires `lease ms` from now (a holder with nothing held and no demand leaves no trace).
    /// Returns `{granted, budget, total held, contended}` (contended: 1 when demand exceeds the budget).
    public static let lease = RedisScript(
        prelude
            + """
            local holder, want, inUse = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
            local ttl, capacity, growthMs = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
            local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
            for _, gone in ipairs(expired) do
              redis.call('HDEL', KEYS[1], gone)
              redis.call('HDEL', KEYS[2], gone)
            end
            if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
            local limit, growAt = budgetNow(KEYS[4], capacity, growthMs)
            keepBudget(KEYS[4], limit, growAt)
            local others = 0
            local held = redis.call('HGETALL', KEYS[1])
            for i = 1, #held, 2 do
              if held[i] ~= holder then others = others + tonumber(held[i + 1]) end
            end
            if want > 0 then redis.call('HSET', KEYS[2], holder, want) else redis.call('HDEL', KEYS[2], holder) end
            local demands = {}
            for _, value in ipairs(redis.call('HVALS', KEYS[2])) do demands[#demands + 1] = tonumber(value) end
            table.sort(demands)
            local remaining, level = limit, nil
            for i = 1, #demands do
              local share = remaining / (#demands - i + 1)
              if demands[i] > share then
                level = share
                break
              end
              remaining = remaining - demands[i]
            end
            local grant = want
            if level then grant = math.min(grant, math.ceil(level)) end
            grant = math.max(0, math.min(grant, limit - others))
            local keep = math.max(grant, inUse)
            if keep > 0 then redis.call('HSET', KEYS[1], holder, keep) else redis.call('HDEL', KEYS[1], holder) end
            if keep > 0 or want > 0 then
              redis.call('ZADD', KEYS[3], now + ttl, holder)
              for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], 2 * ttl) end
            else
              redis.call('ZREM', KEYS[3], holder)
            end
            return {grant, limit, others + keep, level and 1 or 0}
            """)

    /// cut — KEYS: state, held, leases; ARGV: capacity, growth window ms, cut window ms, confirmed
    /// (1: the carrier said the 429 is the account's concurrency limit).
    ///
    /// Multiplicative decrease after the carrier answered 429: halves the effective budget (never
    /// below 1) unless it was already halved within the cut window, so one burst of 429s seen by
    /// several requests and workers halves it once. An unconfirmed 429 (no concurrency header: some
    /// other rate limit, a throttling proxy) halves it only while live leases hold at least half of
    /// it — a fleet using little of its budget is not what the carrier refused. Restarts the growth
    /// window. Returns `{budget, 1 when this call halved it}`.
    public static let cut = RedisScript(
        prelude
            + """
            local capacity, growthMs, cutMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            local limit, growAt = budgetNow(KEYS[1], capacity, growthMs)
            local cutAt = tonumber(redis.call('HGET', KEYS[1], 'cut_at')) or 0
            if now - cutAt < cutMs or (ARGV[4] ~= '1' and liveHeld(KEYS[2], KEYS[3]) * 2 < limit) then
              keepBudget(KEYS[1], limit, growAt)
              return {limit, 0}
            end
            limit = math.max(1, math.floor(limit / 2))
            keepBudget(KEYS[1], limit, now)
            redis.call('HSET', KEYS[1], 'cut_at', string.format('%.0f', now))
            return {limit, 1}
            """)

    /// inspect — KEYS: held, leases, state; ARGV: capacity, growth window ms.
    ///
    /// Read-only: the effective budget now and the permits held by holders whose lease has not
    /// expired. Returns `{budget, total held, holders}`.
    public static let inspect = RedisScript(
        prelude
            + """
            local limit = budgetNow(KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]))
            local total, holders = liveHeld(KEYS[1], KEYS[2])
            return {limit, total, holders}
            """)
}
