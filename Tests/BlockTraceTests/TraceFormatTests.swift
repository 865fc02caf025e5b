import BlockTrace
import PropertyBased
import Testing

@Suite struct TraceFormatTests {
    let header = TraceHeader(diskBytes: 2 << 30, layout: 0, volumeID: 0xDEAD_BEEF, formattedAt: 1_764_000_000)

    func roundTrip(_ records: [TraceRecord]) throws -> (records: [TraceRecord], size: Int) {
        var bytes = TraceFormat.encode(header)
        for record in records { TraceFormat.encode(record, into: &bytes) }
        var reader = try TraceReader(bytes: bytes)
        #expect(reader.header == header)
        var decoded: [TraceRecord] = []
        while let record = reader.next() { decoded.append(record) }
        #expect(reader.error == nil)
        return (decoded, bytes.count)
    }

    @Test func everyKindOfRecordRoundTrips() throws {
        let records: [TraceRecord] = [
            .write(offset: 1 << 20, data: [1, 2, 3]),
            .read(offset: 4096, length: 16384),
            .flush,
            .write(offset: 7, data: []),
            .write(offset: 0, data: [UInt8](repeating: 0, count: 5000) + [9]),
        ]
        #expect(try roundTrip(records).records == records)
    }

    @Test func patternFilesAreStoredAsRuns() throws {
        // A 1 MiB write of a pattern file plus an unaligned tail: a few dozen bytes in the trace.
        let data = PatternBlock.fileBytes(seed: 42, offset: 0, count: (1 << 20) + 100)
        let result = try roundTrip([.write(offset: 1 << 30, data: data)])
        #expect(result.records == [.write(offset: 1 << 30, data: data)])
        #expect(result.size < TraceHeader.size + 200, "trace is \(result.size) bytes")
    }

    @Test func recognisesOnlyExactPatternBlocks() {
        var block = PatternBlock(seed: 1, index: 2).bytes()
        #expect(block.withUnsafeBytes { PatternBlock.recognise($0) } == PatternBlock(seed: 1, index: 2))
        block[300] ^= 1
        #expect(block.withUnsafeBytes { PatternBlock.recognise($0) } == nil)
    }

    @Test func truncatedTracesSayWhere() throws {
        var bytes = TraceFormat.encode(header)
        TraceFormat.encode(.write(offset: 0, data: [1, 2, 3, 4]), into: &bytes)
        bytes.removeLast(2)
        var reader = try TraceReader(bytes: bytes)
        #expect(reader.next() == nil)
        #expect(reader.error == .truncated(at: bytes.count - 2))
        #expect(throws: TraceError.notATrace) { try TraceReader(bytes: [1, 2, 3]) }
    }

    @Test func randomWritesRoundTrip() async {
        await propertyCheck(count: 200, input: Gen.uint8(in: 0 ... .max).array(of: 0...3000), Gen.uint64(in: 0 ... .max)) { noise, offset in
            // Mix noise, zeros and pattern blocks at unaligned places.
            let data = noise + [UInt8](repeating: 0, count: noise.count % 700)
                + PatternBlock.fileBytes(seed: offset, offset: UInt64(noise.count), count: noise.count * 2) + noise
            var bytes = TraceFormat.encode(header)
            TraceFormat.encode(.write(offset: offset, data: data), into: &bytes)
            var reader = try! TraceReader(bytes: bytes)
            let decoded = reader.next()
            #expect(decoded == .write(offset: offset, data: data))
        }
    }

    @Test func garbageNeverCrashes() async {
        await propertyCheck(count: 300, input: Gen.uint8(in: 0 ... .max).array(of: 0...600)) { garbage in
            let bytes = TraceFormat.encode(header) + garbage
            var reader = try! TraceReader(bytes: bytes)
            var count = 0
            while reader.next() != nil { count += 1 }
            #expect(count <= garbage.count)
        }
    }
}
