import Foundation
import Testing

/// scripts/board/systemd-guest.sh: install.sh and both units under a real systemd (PID 1 in a QEMU guest booting
/// this machine's own root): READY before the gadget, the car's disk through dummy_hcd, the watchdog restarting a
/// hung daemon, uninstall. About six minutes under TCG.
@Suite(.serialized, .enabled(if: isRoot && hasQEMUAndKernel && hasDummyHCD && hasSystemd,
                             "needs root, qemu-system-x86_64, a Debian kernel with dummy_hcd, and systemd installed"))
struct SystemdGuestTests {
    @Test func installReadyGadgetWatchdogUninstall() {
        let work = Scratch("systemd-guest")
        let result = sh("\(InstallerTests.repo)/scripts/board/systemd-guest.sh \(work.path) \(teslacamBinary)")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("all checks hold"), "\(result.output)")
    }
}

let hasSystemd = FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd")
