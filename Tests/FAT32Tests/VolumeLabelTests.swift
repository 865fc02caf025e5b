import FAT32
import Testing

@Suite("VolumeLabel")
struct VolumeLabelTests {
    @Test("valid labels are uppercased and space-padded")
    func valid() throws {
        #expect(try VolumeLabel("TESLACAM") == .teslaCam)
        #expect(try VolumeLabel("my cam").bytes == Array("MY CAM     ".utf8))
        #expect(try VolumeLabel("ABCDEFGHIJK").description == "ABCDEFGHIJK")
        #expect(VolumeLabel.none.description == "NO NAME")
        #expect(try VolumeLabel(decoding: Array("X          ".utf8)).description == "X")
    }

    @Test("invalid labels say why", arguments: ["", "ABCDEFGHIJKL", " LEADING", "A.B", "CAFÉ", "A/B", "A*B"])
    func invalid(_ label: String) {
        #expect {
            try VolumeLabel(label)
        } throws: { error in
            guard case .invalidLabel = error as? FAT32Error else { return false }
            return !(error as! FAT32Error).description.isEmpty
        }
    }

    @Test("lossy labels never fail")
    func lossy() {
        #expect(VolumeLabel(lossy: "TeslaCam").bytes == Array("TESLACAM   ".utf8))
        #expect(VolumeLabel(lossy: "a.b/c").bytes == Array("A_B_C      ".utf8))
        #expect(VolumeLabel(lossy: "").bytes == VolumeLabel.none.bytes)
        #expect(VolumeLabel(lossy: "   ").bytes == VolumeLabel.none.bytes)
        #expect(VolumeLabel(lossy: "VERY LONG LABEL").bytes == Array("VERY LONG L".utf8))
    }
}
