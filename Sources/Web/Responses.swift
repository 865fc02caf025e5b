import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// How the server answers: JSON with one encoder, errors as `{"error": "..."}`.
enum Reply {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: WebError) -> Response {
        struct Body: Encodable { let error: String }
        var response = (try? json(Body(error: error.message), status: error.status))
            ?? Response(status: error.status)
        for field in error.headers { response.headers.append(field) }
        return response
    }

    static func text(_ text: String, type: String, cache: String = "no-store") -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: cache],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Parses a catalog id from a path parameter: digits only, 1 ... Int64.max. Anything else (a path, "..", "1e3",
/// "-1", "01" is fine) is refused before the catalog is asked.
enum CatalogID {
    static func parse(_ text: String?) throws(WebError) -> Int64 {
        guard let text, !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let id = Int64(text), id >= 1 else { throw .badID(text ?? "") }
        return id
    }
}
