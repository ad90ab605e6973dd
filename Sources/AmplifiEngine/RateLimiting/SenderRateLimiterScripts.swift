public import AmplifiRedis

/// The Lua scripts of ``SenderRateLimiter``: each call is one atomic `EVALSHA`.
///
/// State of one sender number: a HASH (key ``SenderRateLimiter/key(orgID:senderID:)``)
/// with `tat`, the GCRA theoretical arrival time, and `pause`, the end of a fleet-wide
/// backoff, both in microseconds of the Redis server's clock (`TIME`; never a worker's
/// clock, so workers with skewed clocks still share one schedule). A missing field
/// means "idle": a TAT in the past and a missing TAT behave the same, which is why
/// the key may expire as soon as both times have passed.
///
/// Numbers are stored with `%.0f`: Lua 5.1's `tostring` keeps only 14 significant
/// digits, too few for microseconds since 1970 (16 digits).
public enum SenderRateLimiterScripts {
    /// reserve — KEYS: sender hash, the organization's rate epoch; ARGV: segments n, emission
    /// interval T (µs per segment), burst B (segments, ≥ 1), max wait (µs, negative =
    /// unlimited), recovery horizon H (µs, ≥ 0), priority (1 or 0).
    ///
    /// Priority (a reply a person wrote): the batch starts at `max(now, pause + (B-1)·T)`,
    /// ahead of whatever is booked, and pushes the booked schedule back by its own n segments
    /// (`tat = max(tat, now) + n·T`): the number's rate over time is unchanged, the campaign
    /// traffic behind it slows by exactly the reply's segments, and a backoff still holds it.
    ///
    /// GCRA with reservation: the batch starts at `start = max(tat, now, pause + (B-1)·T)`
    /// and its segment j (1…n) conforms at `start + j·T − B·T`. The last term of `start`
    /// makes the first segment after a backoff conform exactly when the pause ends, and
    /// gives no burst right after a backoff (the carrier just said "too fast"). When the
    /// whole batch would conform later than `now + max wait`, nothing is reserved and the
    /// script returns `{0, µs until a reservation would fit, now}`; otherwise it stores
    /// `tat = start + n·T`, expires the key when both the TAT and the pause have passed,
    /// and returns `{1, base, now}` with `base = start − B·T − now` (segment j may go
    /// `base + j·T` µs from now; negative = already conforming). `now` is the server
    /// time the answer is relative to, so callers can place the schedule on the
    /// server's clock whatever the network or scheduling delay.
    ///
    /// Lost state: a sender hash without a TAT is either idle or gone with a Redis flush or
    /// restart — and then reservations handed out before may still be going out, up to H
    /// ahead. The epoch key (no expiry) tells them apart: it holds when this organization's
    /// rate state last started. When it is missing too, the state is new or lost, the script
    /// writes `now` into it, and any number of the organization that starts within H of that
    /// epoch starts as after a backoff ending at `epoch + H`: no burst, first segment then.
    /// The cost is one horizon's wait the first time an organization sends on a fresh Redis; an
    /// organization new to a Redis that has kept its data is told apart by ``noteFleetEpoch``.
    public static let reserve = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local n, interval, burst, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local horizon = tonumber(ARGV[5])
        local state = redis.call('HMGET', KEYS[1], 'tat', 'pause')
        local tat = tonumber(state[1])
        local pause = tonumber(state[2]) or 0
        if tat == nil then
          tat = now
          local epoch = tonumber(redis.call('GET', KEYS[2]))
          if epoch == nil then
            epoch = now
            redis.call('SET', KEYS[2], string.format('%.0f', epoch))
          end
          if epoch + horizon > now then pause = math.max(pause, epoch + horizon) end
        end
        local priority = tonumber(ARGV[6]) == 1
        local start = math.max(tat, now, pause + (burst - 1) * interval)
        if priority then start = math.max(now, pause + (burst - 1) * interval) end
        local base = start - burst * interval - now
        local delay = base + n * interval
        if maxWait >= 0 and delay > maxWait then
          return {0, math.ceil(delay - maxWait), now}
        end
        local newTat = start + n * interval
        if priority then newTat = math.max(tat, now) + n * interval end
        redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', newTat))
        redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((math.max(newTat, pause) - now) / 1000)))
        return {1, math.floor(base), now}
        """)

    /// noteFleetEpoch — KEYS: the fleet's rate epoch; ARGV: horizon H (µs).
    ///
    /// Returns 1 when the key exists and was written more than H ago: Redis has kept its data for
    /// longer than any booking could still be outstanding, so an organization without an epoch of
    /// its own has simply never sent (the caller then writes it one far in the past, `0`). When the
    /// key is missing (a fresh or flushed Redis) it is written with `now`; then, as while it is
    /// younger than H, the answer is 0 and the organization's first reservation treats its state
    /// as lost.
    public static let noteFleetEpoch = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local epoch = tonumber(redis.call('GET', KEYS[1]))
        if epoch == nil then
          redis.call('SET', KEYS[1], string.format('%.0f', now))
          return 0
        end
        if epoch + tonumber(ARGV[1]) < now then return 1 end
        return 0
        """)

    /// backOff — KEYS: sender hash; ARGV: pause (µs).
    ///
    /// Sets `pause = max(pause, now + d)` (a shorter backoff never shortens a longer one
    /// already in force), extends the key's expiry to cover it and returns
    /// `{pause end, now}` (both server µs since 1970).
    public static let backOff = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local state = redis.call('HMGET', KEYS[1], 'tat', 'pause')
        local tat = tonumber(state[1]) or 0
        local pause = math.max(tonumber(state[2]) or 0, now + tonumber(ARGV[1]))
        redis.call('HSET', KEYS[1], 'pause', string.format('%.0f', pause))
        redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((math.max(tat, pause) - now) / 1000)))
        return {pause, now}
        """)
}
