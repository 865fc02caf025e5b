import Foundation
import SigV4
import Testing

/// Our signatures against botocore's (the AWS SDK for Python, an independent implementation), over requests
/// with awkward paths, repeated and unsorted query parameters, header whitespace and session tokens.
@Suite(.enabled(if: BotocoreSigner.available, "needs python3 with botocore (scripts/install-deps.sh)"))
struct BotocoreCrossCheckTests {
    struct Case {
        var method: String
        var key: String
        var query: [(String, String)]
        var headers: [(String, String)]
        var body: String
        var token: String?
        var service = "s3"
    }

    static let cases: [Case] = [
        Case(method: "PUT", key: "model3/TeslaCam/SentryClips/2024-05-01_12-00-00/2024-05-01_11-50-00-front.mp4",
             query: [], headers: [("Content-Type", "video/mp4")], body: "not really a clip"),
        Case(method: "POST", key: "a b/ü+=&?.mp4", query: [("uploads", "")], headers: [], body: ""),
        Case(method: "PUT", key: "big.mp4", query: [("uploadId", "2~abc/DEF+ghi=="), ("partNumber", "10")],
             headers: [("X-Amz-Meta-Note", "  two   spaces  ")], body: String(repeating: "x", count: 1000)),
        Case(method: "GET", key: "", query: [("list-type", "2"), ("prefix", "model3/"), ("a", "2"), ("a", "1")],
             headers: [], body: "", token: "FQoGZXIvYXdzE//token+with/slashes="),
        Case(method: "HEAD", key: "x/y/z", query: [], headers: [], body: "", service: "s3"),
    ]

    @Test(arguments: 0..<cases.count) func matchesBotocore(index: Int) throws {
        let c = Self.cases[index]
        let credentials = SigV4Credentials(accessKeyId: "AKIATESTKEY123", secretAccessKey: "s3cr3t/Key+With=Odd",
                                           sessionToken: c.token)
        let time = SigV4Timestamp(unixSeconds: 1_714_564_800 + Int64(index) * 3_601)
        let host = "127.0.0.1:9000"
        let path = "/bucket/" + SigV4Encoding.uriEncode(c.key, keepSlash: true)
        let hash = SigV4Request.payloadHash(of: Array(c.body.utf8))
        let request = SigV4Request(method: c.method, encodedPath: path, query: c.query.map { ($0.0, $0.1) },
                                   headers: [("Host", host)] + c.headers.map { ($0.0, $0.1) }, payloadHash: hash)
        let ours = SigV4Signer(region: "eu-west-1", service: c.service).sign(request, credentials: credentials, at: time)
        let url = "http://\(host)\(path)" + (c.query.isEmpty ? "" : "?" + request.canonicalQuery)
        let theirs = try BotocoreSigner.sign(method: c.method, url: url, headers: c.headers, body: c.body,
                                             payloadHash: hash, credentials: credentials, region: "eu-west-1",
                                             service: c.service, amzDate: time.amzDate)
        #expect(ours.authorization == theirs, "canonical request:\n\(ours.canonicalRequest)")
    }
}

/// Runs botocore's S3SigV4Auth on one request with the clock pinned, and returns its Authorization header.
enum BotocoreSigner {
    static let script = """
        import sys, json, datetime
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        a = json.load(sys.stdin)
        pinned = datetime.datetime.strptime(a["amzDate"], "%Y%m%dT%H%M%SZ")
        botocore.auth.get_current_datetime = lambda *args, **kw: pinned
        creds = Credentials(a["accessKeyId"], a["secretAccessKey"], a.get("token"))
        headers = dict(a["headers"])
        headers["X-Amz-Content-SHA256"] = a["payloadHash"]
        req = AWSRequest(method=a["method"], url=a["url"], headers=headers, data=a["body"].encode())
        cls = botocore.auth.S3SigV4Auth if a["service"] == "s3" else botocore.auth.SigV4Auth
        cls(creds, a["service"], a["region"]).add_auth(req)
        print(req.headers["Authorization"])
        """

    static var available: Bool {
        (try? runPython(["-c", "import botocore"], input: Data()).status) == 0
    }

    static func sign(method: String, url: String, headers: [(String, String)], body: String, payloadHash: String,
                     credentials: SigV4Credentials, region: String, service: String, amzDate: String) throws -> String {
        var arguments: [String: Any] = [
            "method": method, "url": url, "headers": headers.map { [$0.0, $0.1] }, "body": body,
            "payloadHash": payloadHash, "accessKeyId": credentials.accessKeyId,
            "secretAccessKey": credentials.secretAccessKey, "region": region, "service": service, "amzDate": amzDate,
        ]
        if let token = credentials.sessionToken { arguments["token"] = token }
        let input = try JSONSerialization.data(withJSONObject: arguments)
        let result = try runPython(["-c", script], input: input)
        guard result.status == 0 else { throw BotocoreFailure(output: result.output) }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct BotocoreFailure: Error, CustomStringConvertible {
        var output: String
        var description: String { "botocore failed: \(output)" }
    }

    static func runPython(_ arguments: [String], input: Data) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
