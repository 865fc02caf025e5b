/// Decides which archived files go: a pure function of the catalog's rows, the space situation, the policy and
/// the time, so every rule can be tested without a disk.
///
/// Rules, in order:
/// 1. Never a file the volume still references, one the car has not deleted, one already evicted, or anything
///    under a protected path (the state directory, pending chains).
/// 2. By age: car-deleted RecentClips older than `recentDays`; car-deleted event clips older than `eventDays`
///    once every sink routed to them has acknowledged them.
/// 3. By space, while the projected free space is below the reserve, oldest first: car-deleted RecentClips, then
///    car-deleted event clips uploaded everywhere, then car-deleted event clips not uploaded (each a warning).
///    A file's derived files (repaired copy, telemetry sidecar) go with it and count in the space it gives back.
public enum Retention {
    /// Archive paths that are never evicted, whatever a row says: the harvest's pending chains.
    public static let alwaysProtected = [".teslacam-pending"]

    public static func plan(files: [ArchivedFileRow], space: SpaceReport, policy: RetentionPolicy, now: Int64,
                            protecting protected: [String] = alwaysProtected) -> RetentionPlan {
        let reserve = policy.reserveBytes(for: space)
        let (evictions, free) = order(files: files, policy: policy, now: now, protected: protected,
                                      free: space.archiveFreeBytes, reserve: reserve)
        return RetentionPlan(evictions: evictions, space: space, reserveBytes: reserve, freeAfterBytes: free)
    }

    /// What would go next, in the order retention would take it: what the age rules make due first, then, as if
    /// space ran out, every other candidate by the same tiers. What an owner asks before a long drive ("which
    /// clips do I lose first?"); the first entries with a `reason` of `.spaceEventNotUploaded` are the ones to save.
    public static func queue(files: [ArchivedFileRow], policy: RetentionPolicy, now: Int64,
                             protecting protected: [String] = alwaysProtected, limit: Int) -> [Eviction] {
        Array(order(files: files, policy: policy, now: now, protected: protected, free: 0, reserve: .max).evictions.prefix(limit))
    }

    /// The rules above: evictions in order until `free` (growing by what each gives back) reaches `reserve`.
    static func order(files: [ArchivedFileRow], policy: RetentionPolicy, now: Int64, protected: [String],
                      free startFree: UInt64, reserve: UInt64) -> (evictions: [Eviction], free: UInt64) {
        let candidates = files.filter { isEvictable($0, protected: protected) }
            .sorted { ($0.recordedAt, $0.path) < ($1.recordedAt, $1.path) }
        var evictions: [Eviction] = []
        var chosen: Set<String> = []
        func take(_ file: ArchivedFileRow, _ reason: EvictionReason) {
            guard chosen.insert(file.path).inserted else { return }
            evictions.append(Eviction(file: file, reason: reason))
        }

        let recentLimit = policy.limitSeconds(days: policy.recentDays)
        let eventLimit = policy.limitSeconds(days: policy.eventDays)
        for file in candidates {
            if !file.kind.isEvent, file.age(at: now) > recentLimit {
                take(file, .recentExpired(days: policy.recentDays))
            } else if file.kind.isEvent, file.isUploadedEverywhere, file.age(at: now) > eventLimit {
                take(file, .eventExpired(days: policy.eventDays))
            }
        }

        var free = startFree.addingClamped(evictions.reduce(0) { $0.addingClamped($1.file.freedBytes) })
        let tiers: [(ArchivedFileRow) -> EvictionReason?] = [
            { $0.kind.isEvent ? nil : .spaceRecent },
            { $0.kind.isEvent && $0.isUploadedEverywhere ? .spaceEventUploaded : nil },
            { $0.kind.isEvent && !$0.isUploadedEverywhere ? .spaceEventNotUploaded(pendingSinks: $0.pendingSinks) : nil },
        ]
        for tier in tiers {
            for file in candidates where free < reserve && !chosen.contains(file.path) {
                guard let reason = tier(file) else { continue }
                take(file, reason)
                free = free.addingClamped(file.freedBytes)
            }
        }
        return (evictions, free)
    }

    /// Only what the car deleted and nothing still references is ever a candidate.
    static func isEvictable(_ file: ArchivedFileRow, protected: [String]) -> Bool {
        guard file.state == .deleted, !file.referencedByVolume, !file.path.isEmpty else { return false }
        let components = file.path.split(separator: "/", omittingEmptySubsequences: true)
        // A path that could leave the archive (or name it) is not a file retention may remove.
        guard !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else { return false }
        let normalized = components.joined(separator: "/")
        for prefix in protected {
            let guarded = prefix.split(separator: "/").joined(separator: "/")
            if guarded.isEmpty || normalized == guarded || normalized.hasPrefix(guarded + "/") { return false }
        }
        return true
    }
}

extension UInt64 {
    func addingClamped(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
