import Catalog
import Foundation
import Outbound
import Sinks
import Testing

/// `teslacam sinks login`'s OAuth 2 PKCE flow against the stand-in, which follows Dropbox's published protocol:
/// the authorize page shows a code, the token endpoint checks the verifier against the challenge, a code works once,
/// and the refresh token it grants is what the sink then lives on.
@Suite(.serialized) struct DropboxLoginTests {
    let scratch = Scratch("dropbox-login")

    /// What the owner's browser does: opens the URL and reads the code off the page Dropbox shows.
    func codeShown(at url: String) throws -> String {
        let page = try run("/usr/bin/curl", ["-sf", url])
        #expect(page.status == 0, "\(page.output)")
        let marker = "value=\""
        guard let start = page.output.range(of: marker),
              let end = page.output[start.upperBound...].firstIndex(of: "\"") else {
            throw PeerFailure(what: "no code on the page: \(page.output)")
        }
        return String(page.output[start.upperBound..<end])
    }

    @Test func aPastedCodeBecomesAPrivateRefreshTokenTheSinkUploadsWith() throws {
        // Access tokens live 10 s here (Dropbox's live four hours): the sink takes a new one before the end.
        let peer = try DropboxPeer(["TOKEN_SECONDS": "10"])
        let login = DropboxAuthorization(appKey: peer.appKey)
        #expect(login.verifier.count >= 43 && login.verifier.count <= 128)
        let url = login.authorizeURL(endpoint: peer.url + "/oauth2/authorize")
        #expect(url.contains("code_challenge_method=S256") && url.contains("token_access_type=offline")
                && url.contains("response_type=code") && !url.contains(login.verifier), "\(url)")
        let code = try codeShown(at: url)
        let grant = try login.exchange(code: code + "\n", tokenURL: peer.url + "/oauth2/token")
        #expect(grant.expiresIn == 10)
        #expect(grant.accountID?.hasPrefix("dbid:") == true)

        let file = scratch.path + "/etc/dropbox.token"
        try DropboxAuthorization.saveRefreshToken(grant.refreshToken, to: file)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "readable by its owner only")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == grant.refreshToken + "\n")

        // A code works once.
        #expect { try login.exchange(code: code, tokenURL: peer.url + "/oauth2/token") } throws: { error in
            (error as? SinkError)?.isPermanent == true && "\(error)".contains("refused the code")
        }
        // A code taken with another verifier's challenge is refused: PKCE binds it to this login.
        let other = DropboxAuthorization(appKey: peer.appKey)
        let stolen = try codeShown(at: other.authorizeURL(endpoint: peer.url + "/oauth2/authorize"))
        #expect(throws: SinkError.self) { try login.exchange(code: stolen, tokenURL: peer.url + "/oauth2/token") }

        // The sink runs on the saved refresh token alone, across an access token's lifetime.
        let token = try #require(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").first.map(String.init))
        let sink = DropboxSink(name: "box", appKey: peer.appKey, refreshToken: token, prefix: "model3",
                               apiURL: peer.url, contentURL: peer.url, resumeDirectory: scratch.path + "/state")
        let rig = try CarRig(routes: Routes([.recent: ["box"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 3)
        rig.play()
        let uploader = rig.uploader([SinkSetup(sink: sink, prefix: "model3")])
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("box").isEmpty })
        // Past nine tenths of the token's life: the next call takes a new token first instead of meeting a 401.
        Thread.sleep(forTimeInterval: 9.5)
        rig.clip("2026-11-25_09-01-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 4)
        rig.play()
        uploader.poke()
        #expect(try eventually { try rig.catalog.openJobs("box").isEmpty && rig.catalog.jobs(sink: "box").count == 2 })
        uploader.stop()
        let remote = filesUnder(peer.root)
        for (path, bytes) in try rig.routedArchiveFiles() { #expect(remote[("model3/" + path).lowercased()] == bytes, "\(path)") }
        let counters = try JSONSerialization.jsonObject(with: Data(try run("/usr/bin/curl", ["-sf", peer.url + "/standin/counters"]).output.utf8))
            as? [String: Int]
        #expect(counters?["codes"] == 1, "\(counters ?? [:])")
        #expect((counters?["refreshes"] ?? 0) >= 2, "a new access token after the first one's life: \(counters ?? [:])")
        #expect(counters?["expired"] == 0, "refreshed ahead of expiry, never refused: \(counters ?? [:])")
    }
}
