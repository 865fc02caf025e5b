import Foundation
import Testing

let hasBrowser = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
    && sh("python3 -c 'import playwright.sync_api'").status == 0

/// The web UI in a real browser: `scripts/web/browser-test.py` (Debian's chromium through Playwright) against
/// `teslacam run` serving the fixture clips, at a phone and a desktop size. Its screenshots' directory is printed.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE && hasBrowser,
                             "needs root, /dev/fuse, /usr/bin/chromium and Playwright for Python (scripts/install-deps.sh)"))
struct WebBrowserTests {
    @Test func pagesPlayerAndDownloadInChromium() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let result = sh("\(repository)/scripts/web/browser-test.py \(teslacamBinary) 2>&1")
        print(result.output)
        #expect(result.status == 0, "\(result.output.suffix(3000))")
    }
}
