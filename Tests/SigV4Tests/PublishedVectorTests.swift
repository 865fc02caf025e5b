import SigV4
import Testing

/// AWS's own examples: the SigV4 test suite's `get-vanilla` family (service `service`, us-east-1,
/// 2015-08-30 12:36:00) and the S3 developer guide's worked examples (examplebucket, 2013-05-24).
@Suite struct PublishedVectorTests {
    let suiteKeys = SigV4Credentials(accessKeyId: "AKIDEXAMPLE",
                                     secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    let s3Keys = SigV4Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let suiteTime = SigV4Timestamp(amzDate: "20150830T123600Z")!
    let s3Time = SigV4Timestamp(amzDate: "20130524T000000Z")!

    @Test func getVanilla() {
        let signer = SigV4Signer(region: "us-east-1", service: "service")
        let request = SigV4Request(method: "GET", encodedPath: "/", headers: [("Host", "example.amazonaws.com")],
                                   payloadHash: SigV4Request.emptyPayloadHash)
        let signed = signer.sign(request, credentials: suiteKeys, at: suiteTime)
        #expect(signed.canonicalRequest == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func queryParametersAreSorted() {
        let signer = SigV4Signer(region: "us-east-1", service: "service")
        let request = SigV4Request(method: "GET", encodedPath: "/", query: [("Param2", "value2"), ("Param1", "value1")],
                                   headers: [("Host", "example.amazonaws.com")], payloadHash: SigV4Request.emptyPayloadHash)
        #expect(request.canonicalQuery == "Param1=value1&Param2=value2")
        let signed = signer.sign(request, credentials: suiteKeys, at: suiteTime)
        #expect(signed.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func s3GetObjectWithRange() {
        let signer = SigV4Signer(region: "us-east-1")
        let request = SigV4Request(method: "GET", encodedPath: "/test.txt", headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
        ], payloadHash: SigV4Request.emptyPayloadHash)
        let signed = signer.sign(request, credentials: s3Keys, at: s3Time)
        #expect(signed.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        // The payload hash goes out as a header: S3 refuses a signed request without it.
        #expect(signed.headers.contains { $0.name == "x-amz-content-sha256" && $0.value == SigV4Request.emptyPayloadHash })
        #expect(signed.headers.contains { $0.name == "x-amz-date" && $0.value == "20130524T000000Z" })
    }

    @Test func s3PutObject() {
        let signer = SigV4Signer(region: "us-east-1")
        let body = Array("Welcome to Amazon S3.".utf8)
        let hash = SigV4Request.payloadHash(of: body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let request = SigV4Request(method: "PUT", encodedPath: "/" + SigV4Encoding.uriEncode("test$file.text"), headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", hash),
        ], payloadHash: hash)
        let signed = signer.sign(request, credentials: s3Keys, at: s3Time)
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3BucketSubresourceAndListing() {
        let signer = SigV4Signer(region: "us-east-1")
        let host = ("Host", "examplebucket.s3.amazonaws.com")
        let lifecycle = SigV4Request(method: "GET", encodedPath: "/", query: [("lifecycle", "")], headers: [host],
                                     payloadHash: SigV4Request.emptyPayloadHash)
        #expect(signer.sign(lifecycle, credentials: s3Keys, at: s3Time).signature
                == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        let listing = SigV4Request(method: "GET", encodedPath: "/", query: [("prefix", "J"), ("max-keys", "2")],
                                   headers: [host], payloadHash: SigV4Request.emptyPayloadHash)
        #expect(listing.canonicalQuery == "max-keys=2&prefix=J")
        #expect(signer.sign(listing, credentials: s3Keys, at: s3Time).signature
                == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func timestampsFromUnixSeconds() {
        #expect(SigV4Timestamp(unixSeconds: 1_440_938_160).amzDate == "20150830T123600Z")
        #expect(SigV4Timestamp(unixSeconds: 1_369_353_600).amzDate == "20130524T000000Z")
        #expect(SigV4Timestamp(unixSeconds: 0).amzDate == "19700101T000000Z")
        #expect(SigV4Timestamp(unixSeconds: 951_782_400).amzDate == "20000229T000000Z")
        #expect(SigV4Timestamp(unixSeconds: 4_102_444_799).amzDate == "20991231T235959Z")
        #expect(SigV4Timestamp(amzDate: "2015-08-30") == nil)
    }

    @Test func encoding() {
        #expect(SigV4Encoding.uriEncode("a b/c~d*é") == "a%20b%2Fc~d%2A%C3%A9")
        #expect(SigV4Encoding.uriEncode("Teslacam/SentryClips/2024-01-01_10-00-00/front.mp4", keepSlash: true)
                == "Teslacam/SentryClips/2024-01-01_10-00-00/front.mp4")
        #expect(SigV4Encoding.canonicalQuery([("uploadId", "a+b="), ("partNumber", "2")]) == "partNumber=2&uploadId=a%2Bb%3D")
        #expect(!SigV4Credentials(accessKeyId: "AK", secretAccessKey: "SECRET").description.contains("SECRET"))
    }
}
