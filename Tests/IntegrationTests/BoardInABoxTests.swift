import Foundation
import Testing

/// scripts/board-in-a-box.sh, short: `teslacam run` inside a QEMU guest on its own ext4 disk, the mass-storage
/// gadget on dummy_hcd, the same kernel's usb-storage and vfat recording through it; then a fresh boot of the same
/// disk checks the volume (through the gadget) and the archive against what the car had synced.
@Suite(.serialized, .enabled(if: isRoot && hasQEMUAndKernel && hasMkfsExt4 && hasDummyHCD,
                             "needs root, qemu-system-x86_64, a Debian kernel with dummy_hcd, and mke2fs"))
struct BoardInABoxTests {
    static let script = InstallerTests.repo + "/scripts/board-in-a-box.sh"

    func run(_ name: String, _ options: String) -> (status: Int32, output: String) {
        let work = Scratch(name)
        return sh("\(Self.script) \(work.path) --teslacam \(teslacamBinary) \(options)")
    }

    @Test func recordsThroughTheGadgetAndSurvivesAReboot() {
        let result = run("board-record", "--minutes 1 --clip 1048576")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("GADGET\tdummy_udc.0"), "\(result.output)")
        #expect(result.output.contains("missing-volume=0 missing-archive=0 fsck-record=clean"), "\(result.output)")
    }

    /// Known issue, seen on every run here: a cut 2 s after the car synced its first minute loses the four synced
    /// clips from the volume and leaves their bytes only in `.teslacam-pending/chain-N` files. The car creates
    /// `TeslaCam/RecentClips` (chain 5) and its clips fsync before `sync(2)` writes TeslaCam's directory cluster
    /// naming it, so at those flushes chain 5 is an orphan and its cluster (the RecentClips directory) is placed as
    /// data into pending chain-5. After the cut, recovery finds a cluster's bytes in the archive only through a
    /// file the volume names (README "Durability", the known issue there), so RecentClips reads as zeros: an empty
    /// directory, the clips' clusters unreferenced (fsck reclaims them), the clips neither on the volume nor named in
    /// the archive. A later cut, after more flushes, keeps every synced clip. On the state after such a cut:
    /// `.teslacam-pending/` holds chain-5 (4096 bytes) beside the clips' chains.
    /// Reproduce: scripts/board-in-a-box.sh /tmp/bb --minutes 3 --clip 1048576 --cut-minute 1 --powercut-after 2
    @Test func aPowerCutKeepsWhatTheCarSynced() {
        let result = run("board-cut", "--minutes 3 --clip 1048576 --cut-minute 1 --powercut-after 2")
        #expect(result.output.contains("powercut=1"), "the cut did not land in the recording:\n\(result.output)")
        withKnownIssue("a whole-board power cut loses the clips the car's last flush covered (see above)", isIntermittent: true) {
            #expect(result.status == 0, "\(result.output)")
        }
    }

    /// Issue 12 point 3: the daemon SIGKILLed after the car's first synced minute; the board holds the /dev/fuse
    /// connection as systemd's fd store does and the next daemon takes it over, so the gadget's open volume.img
    /// never fails: no I/O error in the car's kernel, fsck clean, every synced clip on the volume and in the archive.
    @Test func aDaemonKilledDuringRecordingGoesUnnoticed() {
        let result = run("board-restart", "--minutes 3 --clip 1048576 --restart-after 1 --restart-mode kill")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("mode=kill"), "\(result.output)")
        #expect(result.output.contains("io-errors=0\tread-only=0\tmedium-changes=0"), "\(result.output)")
        #expect(result.output.contains("missing-volume=0 missing-archive=0 fsck-record=clean"), "\(result.output)")
    }

    @Test func aLaterPowerCutKeepsEverySyncedMinute() {
        let result = run("board-cut-late", "--minutes 4 --clip 1048576 --cut-minute 2 --powercut-after 5")
        #expect(result.output.contains("powercut=1"), "the cut did not land in the recording:\n\(result.output)")
        withKnownIssue("the same loss when the cut follows the car's last flush closely", isIntermittent: true) {
            #expect(result.status == 0, "\(result.output)")
        }
    }
}

let hasDummyHCD: Bool = sh("ls /lib/modules/*/kernel/drivers/usb/gadget/udc/dummy_hcd.ko*").status == 0
