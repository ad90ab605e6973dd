public import AmplifiRedis

/// The Lua scripts of ``FairChunkQueue``, each one atomic step run with `EVALSHA`
/// (reloaded automatically after a restart or `SCRIPT FLUSH`).
///
/// Shared invariants, kept by every script (keys as in ``QueueKeys``):
/// - I1: an org is in `ready` iff its list `org:<org>` is non-empty;
/// - I2: an org's score in `ready` equals its `inflight` count (missing = 0);
/// - I3: `inflight[org]` = number of tokens in `leases` whose job belongs to `org`;
/// - I4: `leases` and `leasejobs` have the same tokens;
/// - I5: `members` holds `"<org>:<campaign>:<chunk>"` of every job queued or leased.
/// - I6: `again` holds the identities pushed while already in `members` and not popped since;
///   completing such a job's lease queues it once more instead of forgetting it.
/// Jobs are `"<campaign>:<chunk>:<attempt>"`; lease jobs are `"<org> <job>"`.
/// Times come from the server's `TIME`, never from a worker's clock.
public enum FairQueueScripts {
    /// push — KEYS: ready, inflight, members, org list, again; ARGV: org, job…
    /// Appends the org's jobs whose identity is not yet in `members` (I5 makes a repeated
    /// push of the same chunk a no-op, so the reconciler may re-push freely), in
    /// `RPUSH`es of 1,000; then puts the org in `ready` at its in-flight count if it was
    /// not there (I1, I2). An identity already there is marked in `again` (I6): if it is
    /// leased, the worker may have looked at the chunk's rows before this push made some
    /// pending, so its completion queues the job again. Returns how many jobs were added.
    public static let push = RedisScript(
        """
        local org = ARGV[1]
        local fresh, added = {}, 0
        for i = 2, #ARGV do
          local job = ARGV[i]
          local member = org .. ':' .. string.match(job, '^(.*):%d+$')
          if redis.call('SADD', KEYS[3], member) == 1 then
            fresh[#fresh + 1] = job
            if #fresh == 1000 then
              redis.call('RPUSH', KEYS[4], unpack(fresh))
              added, fresh = added + #fresh, {}
            end
          else
            redis.call('SADD', KEYS[5], member)
          end
        end
        if #fresh > 0 then
          redis.call('RPUSH', KEYS[4], unpack(fresh))
          added = added + #fresh
        end
        if added > 0 then
          redis.call('ZADD', KEYS[1], 'NX', tonumber(redis.call('HGET', KEYS[2], org) or '0'), org)
        end
        return added
        """)

    /// pop — KEYS: ready, inflight, leases, leasejobs, turn, again; ARGV: org list prefix,
    /// lease milliseconds, worker.
    /// Picks the least active org: the lowest score in `ready` (fewest jobs in flight);
    /// among the orgs tied at that score (ranks 0…ties-1, lexicographic) it takes rank
    /// `turn mod ties` with `turn` incremented on every pop, so equally active orgs are
    /// served in rotation even by a single worker that completes each job before the
    /// next pop. Pops the org's oldest job, bumps its in-flight count (I2, I3), drops it
    /// from `ready` when its list emptied (I1) and records a lease expiring at server
    /// TIME + lease (I4); a mark in `again` is dropped, since the worker reads the chunk's rows
    /// after this pop (I6). Returns {token, org, job, expiresMs}, or false when no org has
    /// work. The org list key is built from the prefix (it cannot be declared before
    /// the org is chosen); on Cluster the shared `{fq}` tag keeps it in the same slot.
    public static let pop = RedisScript(
        """
        for _ = 1, 16 do
          local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          if #head == 0 then return false end
          local ties = redis.call('ZCOUNT', KEYS[1], head[2], head[2])
          local turn = redis.call('INCR', KEYS[5])
          local org = redis.call('ZRANGE', KEYS[1], turn % ties, turn % ties)[1]
          local list = ARGV[1] .. org
          local job = redis.call('LPOP', list)
          if job then
            local active = redis.call('HINCRBY', KEYS[2], org, 1)
            if redis.call('LLEN', list) == 0 then
              redis.call('ZREM', KEYS[1], org)
            else
              redis.call('ZADD', KEYS[1], active, org)
            end
            local t = redis.call('TIME')
            local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
            local token = ARGV[3] .. '/' .. t[1] .. '.' .. t[2] .. '/' .. turn
            redis.call('ZADD', KEYS[3], expires, token)
            redis.call('HSET', KEYS[4], token, org .. ' ' .. job)
            redis.call('SREM', KEYS[6], org .. ':' .. string.match(job, '^(.*):%d+$'))
            return {token, org, job, expires}
          end
          -- I1 was broken (list lost on its own): repair and choose again.
          redis.call('ZREM', KEYS[1], org)
        end
        return false
        """)

    /// complete — KEYS: ready, inflight, leases, leasejobs, members, again; ARGV: token,
    /// org list prefix.
    /// Ends a lease that is still held: removes it (I4), lowers the org's in-flight count
    /// and its `ready` score if queued (I2, I3), forgets the job's identity (I5) — unless
    /// the job was pushed again meanwhile (I6): then the job goes to the back of its org's
    /// list, keeps its identity, and the org is (re)added to `ready` (I1).
    /// Returns 1, or 0 when the lease is gone (expired and reclaimed: the job was
    /// requeued and will be redone, which is harmless since chunk work is idempotent).
    public static let complete = RedisScript(
        """
        if redis.call('ZREM', KEYS[3], ARGV[1]) == 0 then return 0 end
        local held = redis.call('HGET', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[4], ARGV[1])
        if not held then return 1 end
        local org, job = string.match(held, '^(%S+) (.+)$')
        local active = redis.call('HINCRBY', KEYS[2], org, -1)
        if active <= 0 then
          redis.call('HDEL', KEYS[2], org)
          active = 0
        end
        local member = org .. ':' .. string.match(job, '^(.*):%d+$')
        if redis.call('SREM', KEYS[6], member) == 1 then
          redis.call('RPUSH', ARGV[2] .. org, job)
          redis.call('ZADD', KEYS[1], active, org)
          return 1
        end
        if redis.call('ZSCORE', KEYS[1], org) then redis.call('ZADD', KEYS[1], active, org) end
        redis.call('SREM', KEYS[5], member)
        return 1
        """)

    /// extend — KEYS: leases; ARGV: token, lease milliseconds.
    /// Moves a held lease's expiry to server TIME + lease (a heartbeat; it works even
    /// past the old expiry as long as no reclaim has run). Returns the new expiry, or
    /// false when the lease is gone.
    public static let extend = RedisScript(
        """
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return false end
        local t = redis.call('TIME')
        local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], 'XX', expires, ARGV[1])
        return expires
        """)

    /// reclaim — KEYS: ready, inflight, leases, leasejobs; ARGV: org list prefix, limit.
    /// Takes up to `limit` leases whose expiry is at or before server TIME (their worker
    /// died or hung), removes them (I4) and puts each job, with attempt + 1, back at the
    /// FRONT of its org's list so it is redone promptly; lowers the in-flight count and
    /// (re)adds the org to `ready` at that count (I1–I3). The job stays in `members` (I5).
    /// Leases are walked latest-expiry first so the earliest ends up frontmost.
    /// Returns the requeued `"<org> <job>"`s.
    public static let reclaim = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
        local moved = {}
        for i = #expired, 1, -1 do
          local token = expired[i]
          local held = redis.call('HGET', KEYS[4], token)
          redis.call('ZREM', KEYS[3], token)
          redis.call('HDEL', KEYS[4], token)
          if held then
            local org, job = string.match(held, '^(%S+) (.+)$')
            local head, attempt = string.match(job, '^(.*):(%d+)$')
            local again = head .. ':' .. (tonumber(attempt) + 1)
            redis.call('LPUSH', ARGV[1] .. org, again)
            local active = redis.call('HINCRBY', KEYS[2], org, -1)
            if active <= 0 then
              redis.call('HDEL', KEYS[2], org)
              active = 0
            end
            redis.call('ZADD', KEYS[1], active, org)
            moved[#moved + 1] = org .. ' ' .. again
          end
        end
        return moved
        """)

    /// clear — KEYS: ready, members, org list; ARGV: org, campaign.
    /// Removes a canceled campaign's queued jobs from its org's list, O(length of that
    /// list): rewrites the list without them (in `RPUSH`es of 1,000), forgets their
    /// identities (I5) and drops the org from `ready` if nothing is left (I1). Leased
    /// jobs are untouched (their workers see the status and complete them).
    /// Returns how many jobs were removed.
    public static let clear = RedisScript(
        """
        local mark = ARGV[2] .. ':'
        local keep, removed = {}, 0
        for _, job in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
          if string.sub(job, 1, #mark) == mark then
            removed = removed + 1
            redis.call('SREM', KEYS[2], ARGV[1] .. ':' .. string.match(job, '^(.*):%d+$'))
          else
            keep[#keep + 1] = job
          end
        end
        if removed == 0 then return 0 end
        redis.call('DEL', KEYS[3])
        for i = 1, #keep, 1000 do
          redis.call('RPUSH', KEYS[3], unpack(keep, i, math.min(i + 999, #keep)))
        end
        if #keep == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
        return removed
        """)

    /// total depth — KEYS: ready; ARGV: org list prefix.
    /// Sums the list lengths of the orgs in `ready` (by I1, exactly the orgs with jobs):
    /// O(number of orgs with work), read-only.
    public static let totalDepth = RedisScript(
        """
        local total = 0
        for _, org in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          total = total + redis.call('LLEN', ARGV[1] .. org)
        end
        return total
        """)

    /// heads — KEYS: ready; ARGV: org list prefix.
    /// The oldest job of every org with work: `{org, job, org, job, …}`. O(number of orgs with
    /// work), read-only; the scheduler watches how long each head stays the same.
    public static let heads = RedisScript(
        """
        local out = {}
        for _, org in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          local head = redis.call('LINDEX', ARGV[1] .. org, 0)
          if head then
            out[#out + 1] = org
            out[#out + 1] = head
          end
        end
        return out
        """)
}
