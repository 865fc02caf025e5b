import Foundation
import Testing

/// scripts/install.sh into a temporary root that looks like a Raspberry Pi OS bookworm SD card: twice (the second
/// run changes nothing), `systemd-analyze verify` on what it installed, then `--uninstall --purge`.
@Suite(.serialized, .enabled(if: isRoot, "needs root (install -o, useradd)"))
struct InstallerTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let installer = repo + "/scripts/install.sh"

    /// A bookworm-like root: the Pi's model, config.txt and cmdline.txt (with the g_ether guides tell owners to
    /// add), Raspberry Pi OS's gadget service, and the account files useradd edits.
    static func makeRoot(_ scratch: Scratch) -> String {
        let root = scratch.path + "/root"
        let setup = sh("""
            set -e; R=\(root); mkdir -p $R/etc $R/boot/firmware $R/proc/device-tree $R/lib/systemd/system
            printf 'Raspberry Pi Zero 2 W Rev 1.0\\0' > $R/proc/device-tree/model
            printf '[all]\\ndtparam=audio=on\\n' > $R/boot/firmware/config.txt
            echo 'console=serial0,115200 root=PARTUUID=1 rootwait modules-load=dwc2,g_ether quiet' > $R/boot/firmware/cmdline.txt
            printf '[Unit]\\nDescription=USB gadget\\n[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n' \
                > $R/lib/systemd/system/rpi-usb-gadget.service
            grep '^root:' /etc/passwd > $R/etc/passwd; grep '^root:' /etc/group > $R/etc/group
            : > $R/etc/shadow; : > $R/etc/gshadow
            """)
        #expect(setup.status == 0, "\(setup.output)")
        return root
    }

    /// Every regular file and link under `root` with its mode, owner and content hash (backups useradd leaves out).
    static func snapshot(_ root: String) -> String {
        sh("cd \(root) && find . \\( -type f -o -type l \\) ! -name '*-' | LC_ALL=C sort | while read -r f; do "
           + "printf '%s %s ' \"$f\" \"$(stat -c '%a %u %g' \"$f\")\"; "
           + "if [ -L \"$f\" ]; then readlink \"$f\"; else md5sum < \"$f\"; fi; done").output
    }

    @Test func installTwiceVerifyUninstall() throws {
        let scratch = Scratch("install")
        let root = Self.makeRoot(scratch)
        let before = Self.snapshot(root)

        let first = sh("\(Self.installer) --root \(root) --binary \(teslacamBinary)")
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("What remains:") && first.output.contains("Reboot"), "\(first.output)")
        let installed = Self.snapshot(root)
        let second = sh("\(Self.installer) --root \(root) --binary \(teslacamBinary)")
        #expect(second.status == 0, "\(second.output)")
        #expect(Self.snapshot(root) == installed, "the second run changed the root:\n\(second.output)")
        #expect(second.output.contains("already has dtoverlay=dwc2") && second.output.contains("kept your"))

        // What the board boots with.
        let config = try String(contentsOfFile: root + "/boot/firmware/config.txt", encoding: .utf8)
        #expect(config.components(separatedBy: "dtoverlay=dwc2").count == 2, "\(config)")
        let cmdline = try String(contentsOfFile: root + "/boot/firmware/cmdline.txt", encoding: .utf8)
        #expect(cmdline.contains("modules-load=dwc2 quiet") && !cmdline.contains("g_ether"), "\(cmdline)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/systemd/system/rpi-usb-gadget.service")) == "/dev/null")
        // Enabled: links that point into the board's own /etc (not into the temporary root).
        let wants = root + "/etc/systemd/system/"
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants + "multi-user.target.wants/teslacam.service"))
                == "/etc/systemd/system/teslacam.service")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants + "teslacam.service.wants/teslacam-gadget.service"))
                == "/etc/systemd/system/teslacam-gadget.service")
        #expect(sh("grep -c '^teslacam:' \(root)/etc/passwd").output.hasPrefix("1"))
        #expect(sh("stat -c %U \(root)/var/lib/teslacam/archive", environment: [:]).status == 0)
        #expect(sh("grep -q '^user_allow_other' \(root)/etc/fuse.conf").status == 0)
        // The config it wrote is one the daemon accepts: the strict loader's errors begin "config file".
        let loads = sh("\(teslacamBinary) retention --dry-run --config \(root)/etc/teslacam/config.json "
                       + "--state \(scratch.path)/s --archive \(scratch.path)/a")
        #expect(!loads.output.contains("config file"), "\(loads.output)")

        // systemd's own check of the installed units, against this machine's system units.
        if sh("command -v systemd-analyze && test -d /usr/lib/systemd/system").status == 0 {
            // The units call systemctl (the gadget after ready) and kill (reload): a board has both; the fake root
            // gets this machine's for the check.
            #expect(sh("mkdir -p \(root)/usr/lib/systemd && cp -a /usr/lib/systemd/system \(root)/usr/lib/systemd/"
                       + " && mkdir -p \(root)/bin && cp /bin/systemctl /bin/kill \(root)/bin/").status == 0)
            let verify = sh("systemd-analyze --root=\(root) verify teslacam.service teslacam-gadget.service "
                           + "teslacam-detach.service")
            #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify:\n\(verify.output)")
            sh("rm -rf \(root)/usr/lib/systemd \(root)/bin/systemctl \(root)/bin/kill")
        } else {
            Issue.record("systemd-analyze is missing (Debian's systemd package): the units were not verified")
        }

        let removed = sh("\(Self.installer) --root \(root) --uninstall --purge")
        #expect(removed.status == 0, "\(removed.output)")
        // Back to the card as it was, but for the legacy gadget driver install.sh took off the command line.
        let after = Self.snapshot(root).split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") }
        let original = before.split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") }
        #expect(after == original, "uninstall left:\n\(after.joined(separator: "\n"))\nexpected:\n\(original.joined(separator: "\n"))")
    }

    @Test func refusesABoardWithoutAUSBDeviceController() throws {
        let scratch = Scratch("install-noudc")
        let root = scratch.path + "/root"
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        let run = sh("\(Self.installer) --root \(root) --binary \(teslacamBinary)")
        #expect(run.status == 1)
        #expect(run.output.contains("no USB device controller"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/local/bin/teslacam"))
    }
}
