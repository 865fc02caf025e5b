import HarvestCore
import PropertyBased
import Testing

@Suite struct ArchiveIndexTests {
    static func record(_ id: UInt32, _ path: String) -> ArchivedFile {
        ArchivedFile(id: id, path: path, carPath: path, head: id + 10, size: 0, clusters: [], state: .growing,
                     previousSize: nil)
    }

    @Test func thePathIndexFollowsInsertsRenamesAndRemovals() {
        var index = ArchiveIndex()
        index[1] = Self.record(1, "a")
        index[2] = Self.record(2, "a")
        #expect(index.ids(at: "a") == [1, 2])
        index[1]?.path = "b"
        #expect(index.ids(at: "a") == [2] && index.ids(at: "b") == [1])
        index.removeValue(forKey: 2)
        #expect(!index.holds("a") && index.holds("b") && index.count == 1)
        index[1] = nil
        #expect(!index.holds("b") && index.count == 0)
    }

    /// Against a plain dictionary and a scan: after any sequence of inserts, path changes and removals, `holds`
    /// answers what a scan of every record answers.
    @Test func agreesWithAScan() async {
        await propertyCheck(input: Gen.uint64(in: 0 ... .max).array(of: 1...300)) { words in
            var index = ArchiveIndex()
            var model: [UInt32: ArchivedFile] = [:]
            for word in words {
                let id = UInt32(1 + word % 40), path = "p\((word >> 8) % 12)"
                switch (word >> 16) % 3 {
                case 0: index[id] = Self.record(id, path); model[id] = Self.record(id, path)
                case 1: index[id]?.path = path; model[id]?.path = path
                default: index.removeValue(forKey: id); model[id] = nil
                }
            }
            for n in 0..<12 {
                let path = "p\(n)"
                #expect(index.holds(path) == model.values.contains { $0.path == path })
                #expect(index.ids(at: path) == Set(model.values.filter { $0.path == path }.map(\.id)))
            }
            #expect(index.count == model.count)
        }
    }
}
