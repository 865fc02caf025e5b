import Foundation
import Testing

/// scripts/install.sh's options into a temporary bookworm-like root (InstallerTests.makeRoot): a read-only root
/// with state and archive on a partition of their own (an ext4 image file stands in for the partition; blkid and
/// mkfs.ext4 treat it as they treat /dev/mmcblk0p3), Wi-Fi power saving off. Each: files written, a second run
/// changes nothing, `--uninstall --purge` gives the card back as it was.
@Suite(.serialized, .enabled(if: isRoot, "needs root (install -o, useradd)"))
struct InstallerOptionsTests {
    static let installer = InstallerTests.installer
    static var hasE2fsprogs: Bool { sh("command -v mkfs.ext4 && command -v blkid").status == 0 }

    /// The root with the fstab Raspberry Pi OS ships and NetworkManager's configuration folder (bookworm's).
    static func makeRoot(_ scratch: Scratch, networkManager: Bool) -> String {
        let root = InstallerTests.makeRoot(scratch)
        let setup = sh("""
            set -e; R=\(root)
            printf 'proc /proc proc defaults 0 0\\nPARTUUID=4e3a-01 /boot/firmware vfat defaults 0 2\\nPARTUUID=4e3a-02 / ext4 defaults,noatime 0 1\\n' > $R/etc/fstab
            \(networkManager ? "mkdir -p $R/etc/NetworkManager/conf.d $R/usr/sbin && cp /bin/true $R/usr/sbin/NetworkManager" : ":")
            """)
        #expect(setup.status == 0, "\(setup.output)")
        return root
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test(.enabled(if: hasE2fsprogs, "needs mkfs.ext4 and blkid (Debian's e2fsprogs, util-linux)"))
    func readOnlyRootWithTheClipsOnTheirOwnPartition() throws {
        let scratch = Scratch("install-ro")
        let root = Self.makeRoot(scratch, networkManager: true)
        let before = InstallerTests.snapshot(root)
        let partition = scratch.path + "/data.img"
        #expect(sh("truncate -s 64M \(partition)").status == 0)
        let install = "\(Self.installer) --root \(root) --binary \(teslacamBinary) --read-only-root"

        // Refused in words, and nothing changed: no partition named; one with no file system without --format-data.
        let none = sh(install)
        #expect(none.status == 1 && none.output.contains("--data-partition"), "\(none.output)")
        let blank = sh(install + " --data-partition \(partition)")
        #expect(blank.status == 1 && blank.output.contains("--format-data"), "\(blank.output)")
        #expect(InstallerTests.snapshot(root) == before)

        let first = sh(install + " --data-partition \(partition) --format-data")
        #expect(first.status == 0, "\(first.output)")
        #expect(sh("blkid -o value -s TYPE \(partition)").output.hasPrefix("ext4"))
        let uuid = sh("blkid -o value -s UUID \(partition)").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!uuid.isEmpty)
        let fstab = Self.read(root + "/etc/fstab")
        #expect(fstab.contains("UUID=\(uuid) /var/lib/teslacam ext4 defaults,noatime,nofail"), "\(fstab)")
        #expect(fstab.hasPrefix("proc /proc proc defaults 0 0\n"), "the card's own lines stay: \(fstab)")
        let cmdline = Self.read(root + "/boot/firmware/cmdline.txt")
        #expect(cmdline.hasPrefix("overlayroot=tmpfs:recurse=0 console=serial0"), "\(cmdline)")
        #expect(Self.read(root + "/boot/firmware/config.txt").contains("auto_initramfs=1"))
        #expect(Self.read(root + "/etc/tmpfiles.d/teslacam.conf").contains("d /var/lib/teslacam/archive 0750 teslacam teslacam"))
        #expect(Self.read(root + "/etc/systemd/journald.conf.d/teslacam-read-only-root.conf").contains("Storage=volatile"))
        // The root has no overlayroot package: the owner is told, in what remains.
        #expect(first.output.contains("apt-get") && first.output.contains("overlayroot"), "\(first.output)")
        // tmpfiles accepts what was written (it resolves the teslacam user in the root's own passwd).
        if sh("command -v systemd-tmpfiles").status == 0 {
            let check = sh("systemd-tmpfiles --root=\(root) --create \(root)/etc/tmpfiles.d/teslacam.conf")
            #expect(check.status == 0, "\(check.output)")
        }

        // Again, without naming the partition (it is in fstab now): nothing changes, the partition is not formatted.
        let installed = InstallerTests.snapshot(root)
        let second = sh(install)
        #expect(second.status == 0, "\(second.output)")
        #expect(InstallerTests.snapshot(root) == installed, "the second run changed the root:\n\(second.output)")
        #expect(sh("blkid -o value -s UUID \(partition)").output.trimmingCharacters(in: .whitespacesAndNewlines) == uuid)

        // --writable-root (before an upgrade): the overlay off, the partition still mounted.
        let writable = sh("\(Self.installer) --root \(root) --writable-root")
        #expect(writable.status == 0, "\(writable.output)")
        #expect(!Self.read(root + "/boot/firmware/cmdline.txt").contains("overlayroot"))
        #expect(Self.read(root + "/etc/fstab").contains("UUID=\(uuid) /var/lib/teslacam"))

        let removed = sh("\(Self.installer) --root \(root) --uninstall --purge")
        #expect(removed.status == 0, "\(removed.output)")
        let after = InstallerTests.snapshot(root).split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") }
        let original = before.split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") }
        #expect(after == original, "uninstall left:\n\(after.joined(separator: "\n"))")
        #expect(!Self.read(root + "/boot/firmware/cmdline.txt").contains("overlayroot"))
        #expect(sh("blkid -o value -s UUID \(partition)").output.trimmingCharacters(in: .whitespacesAndNewlines) == uuid,
                "the partition and its clips are the owner's")
    }

    @Test(.enabled(if: hasE2fsprogs, "needs mkfs.ext4 and blkid (Debian's e2fsprogs, util-linux)"))
    func aPartitionWithAnotherFileSystemIsRefused() throws {
        let scratch = Scratch("install-ro-vfat")
        let root = Self.makeRoot(scratch, networkManager: false)
        let partition = scratch.path + "/data.img"
        // An ext2 file system stands in for anything that is not ext4 (an exFAT stick, a FAT32 card).
        #expect(sh("truncate -s 16M \(partition) && mkfs.ext2 -q \(partition)").status == 0)
        let run = sh("\(Self.installer) --root \(root) --binary \(teslacamBinary) --read-only-root "
                     + "--data-partition \(partition) --format-data")
        #expect(run.status == 1 && run.output.contains("holds a ext2 file system") && run.output.contains("wipefs"),
                "\(run.output)")
        #expect(sh("blkid -o value -s TYPE \(partition)").output.hasPrefix("ext2"), "never formatted over")
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/local/bin/teslacam"), "refused before any change")
    }

    @Test func wifiPowerSavingOffThroughNetworkManager() throws {
        let scratch = Scratch("install-wifi-nm")
        let root = Self.makeRoot(scratch, networkManager: true)
        let before = InstallerTests.snapshot(root)
        let install = "\(Self.installer) --root \(root) --binary \(teslacamBinary) --no-wifi-power-save"
        let first = sh(install)
        #expect(first.status == 0, "\(first.output)")
        let conf = Self.read(root + "/etc/NetworkManager/conf.d/teslacam-wifi-powersave.conf")
        #expect(conf.contains("[connection]\nwifi.powersave = 2\n"), "\(conf)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/systemd/system/teslacam-wifi-powersave.service"))
        let installed = InstallerTests.snapshot(root)
        #expect(sh(install).status == 0)
        #expect(InstallerTests.snapshot(root) == installed)
        #expect(sh("\(Self.installer) --root \(root) --uninstall --purge").status == 0)
        let after = InstallerTests.snapshot(root).split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") }
        #expect(after == before.split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") })
    }

    @Test func wifiPowerSavingOffThroughIwWithoutNetworkManager() throws {
        let scratch = Scratch("install-wifi-iw")
        let root = Self.makeRoot(scratch, networkManager: false)
        let before = InstallerTests.snapshot(root)
        let install = "\(Self.installer) --root \(root) --binary \(teslacamBinary) --no-wifi-power-save"
        let first = sh(install)
        #expect(first.status == 0, "\(first.output)")
        let unit = root + "/etc/systemd/system/teslacam-wifi-powersave.service"
        #expect(Self.read(unit).contains("ExecStart=/usr/sbin/iw dev wlan0 set power_save off"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(
            atPath: root + "/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants/teslacam-wifi-powersave.service"))
            == "/etc/systemd/system/teslacam-wifi-powersave.service")
        #expect(first.output.contains("apt-get install iw"), "the root has no iw: \(first.output)")
        // systemd's check of the unit, with the host's iw where the unit expects it.
        if sh("command -v systemd-analyze && test -x /usr/sbin/iw && test -d /usr/lib/systemd/system").status == 0 {
            #expect(sh("mkdir -p \(root)/usr/lib/systemd \(root)/usr/sbin && cp -a /usr/lib/systemd/system \(root)/usr/lib/systemd/ "
                       + "&& cp /usr/sbin/iw \(root)/usr/sbin/iw").status == 0)
            let verify = sh("systemd-analyze --root=\(root) verify teslacam-wifi-powersave.service")
            #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify:\n\(verify.output)")
            sh("rm -rf \(root)/usr/lib/systemd \(root)/usr/sbin/iw && rmdir \(root)/usr/sbin 2>/dev/null; true")
        }
        let installed = InstallerTests.snapshot(root)
        #expect(sh(install).status == 0)
        #expect(InstallerTests.snapshot(root) == installed)
        #expect(sh("\(Self.installer) --root \(root) --uninstall --purge").status == 0)
        let after = InstallerTests.snapshot(root).split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") }
        #expect(after == before.split(separator: "\n").filter { !$0.hasPrefix("./boot/firmware/cmdline.txt") },
                "uninstall left:\n\(after.joined(separator: "\n"))")
    }
}
