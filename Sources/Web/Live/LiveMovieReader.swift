import ClipRepair

/// A `LiveMovie` read as a file: its new bytes (ftyp, moov, mdat header) from memory, its frames from the car's
/// clip as the store serves it.
struct LiveMovieReader: ClipReader {
    let movie: LiveMovie
    let base: any ClipReader

    var length: UInt64 { movie.length }

    func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8] {
        var out: [UInt8] = []
        var position = offset
        let end = min(length, offset + UInt64(max(0, count)))
        var pieceStart: UInt64 = 0
        for piece in movie.pieces where position < end {
            let pieceEnd = pieceStart + piece.count
            defer { pieceStart = pieceEnd }
            guard position < pieceEnd else { continue }
            let from = position - pieceStart
            let take = min(pieceEnd, end) - position
            switch piece {
            case let .bytes(bytes):
                out += bytes[Int(from)..<Int(from + take)]
            case let .copy(source, _):
                let got = try base.read(at: source + from, count: Int(take))
                out += got
                if UInt64(got.count) < take { return out }  // the clip shrank since: a short read, as a file gives
            }
            position += take
        }
        return out
    }
}
