/// The harvest's records by id, with an index by archive path kept true on every change, so "does any record
/// hold this path" is a lookup instead of a scan of every record (the car, or a hostile host, can give many
/// entries one name, and `clear` asks that for each candidate name).
///
/// Used like the dictionary it replaces: `index[id] = record` inserts, updates (re-indexing a changed path) or
/// removes.
public struct ArchiveIndex: Sendable, Sequence {
    private var byID: [UInt32: ArchivedFile] = [:]
    private var byPath: [String: Set<UInt32>] = [:]

    public init() {}

    public subscript(id: UInt32) -> ArchivedFile? {
        get { byID[id] }
        set {
            let old = byID[id]
            byID[id] = newValue
            guard old?.path != newValue?.path else { return }
            if let old { unindex(old.path, id) }
            if let newValue { byPath[newValue.path, default: []].insert(id) }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey id: UInt32) -> ArchivedFile? {
        defer { self[id] = nil }
        return byID[id]
    }

    /// Some record (live, deleted or pending) has this archive path.
    public func holds(_ path: String) -> Bool { byPath[path] != nil }

    /// The ids of the records with this archive path.
    public func ids(at path: String) -> Set<UInt32> { byPath[path] ?? [] }

    public var count: Int { byID.count }
    public var values: Dictionary<UInt32, ArchivedFile>.Values { byID.values }

    public func makeIterator() -> Dictionary<UInt32, ArchivedFile>.Iterator { byID.makeIterator() }

    private mutating func unindex(_ path: String, _ id: UInt32) {
        byPath[path]?.remove(id)
        if byPath[path]?.isEmpty == true { byPath[path] = nil }
    }
}
