import Ingest
import Testing

/// Which parts of an upload a PATCH can store while their bytes arrive: the same cuts as the buffered path.
struct UploadPartsTests {
    let part: Int64 = 5 << 20

    @Test func aWholePartInsideThePatchStreams() {
        #expect(UploadState.streamedPart(start: 0, patchEnd: part, length: 3 * part, partSize: part) == part)
        #expect(UploadState.streamedPart(start: part, patchEnd: 3 * part, length: 3 * part + 7, partSize: part) == part)
    }

    @Test func aPartThePatchEndsInsideDoesNotStreamUnlessItIsTheLast() {
        #expect(UploadState.streamedPart(start: 0, patchEnd: part - 1, length: 3 * part, partSize: part) == nil)
        #expect(UploadState.streamedPart(start: 2 * part, patchEnd: 2 * part + 7, length: 2 * part + 7, partSize: part) == 7)
        #expect(UploadState.streamedPart(start: 2 * part + 7, patchEnd: 2 * part + 7, length: 2 * part + 7, partSize: part) == nil)
    }

    @Test func theStreamedCutsAreTheBufferedOnes() {
        for length in [part, part + 1, 2 * part, 2 * part + 12345, 3 * part - 1] {
            var cuts: [Int64] = []
            var start: Int64 = 0
            while let size = UploadState.streamedPart(start: start, patchEnd: length, length: length, partSize: part) {
                cuts.append(size)
                start += size
            }
            #expect(cuts == UploadState.partCuts(buffered: length, partSize: part, final: true), "length \(length)")
        }
    }
}
