import Catalog
import Hummingbird

/// RecentClips by minute, newest first (the page groups them by day and hour), and the run of consecutive
/// minutes around one clip for the player.
extension WebServer {
    func registerRecent(_ add: Add) {
        add(.get, "/api/recent", .owner) { [self] request, _ in
            let query = request.uri.queryParameters
            let limit = try Self.limit(query["limit"].map(String.init), default: 60, maximum: 600)
            let before = try query["before"].map { text throws(WebError) -> Int64 in
                guard let value = Int64(String(text)) else { throw WebError(.badRequest, "'before' must be a time from 'next'") }
                return value
            }
            // Up to six cameras a minute: fetch enough rows for `limit` whole minutes, then drop a partial last one.
            let rows = try catalog.recentClips(before: before, limit: limit * 6 + 6)
            var segments = Segment.segments(rows).reversed().map { $0 }
            var next: String?
            if rows.count == limit * 6 + 6 || segments.count > limit {
                if segments.count > 1 { segments.removeLast() }
                segments = Array(segments.prefix(limit))
                next = segments.last.map { "\($0.start)" }
            }
            return try Reply.json(Page(items: segments, next: next))
        }
        add(.get, "/api/recent/:id", .owner) { [self] _, context in
            let clip = try clip(context)
            guard clip.eventKind == .recent, let time = clip.clipTime else {
                throw WebError(.notFound, "clip \(clip.id!) is not a RecentClips clip")
            }
            // Ten minutes either side, cut at the first gap of more than 90 s (the car was off).
            let all = Segment.segments(try catalog.recentClips(in: (time - 600)...(time + 600)))
            guard let at = all.firstIndex(where: { $0.start == time }) else { throw WebError.noClip(clip.id!) }
            var lower = at, upper = at
            while lower > 0, all[lower].start - all[lower - 1].start <= 90 { lower -= 1 }
            while upper < all.count - 1, all[upper + 1].start - all[upper].start <= 90 { upper += 1 }
            struct Run: Encodable { var segments: [Segment]; var start: Int64 }
            return try Reply.json(Run(segments: Array(all[lower...upper]), start: time))
        }
    }
}
