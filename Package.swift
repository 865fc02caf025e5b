// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "TeslaCam",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "teslacam", targets: ["teslacam"]),
        // The fleet ingest server: its own binary, so the board's does not link the TLS server or PostgreSQL.
        .executable(name: "teslacam-ingest", targets: ["teslacam-ingest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
    ],
    targets: [
        // libfuse3 from Debian (libfuse3-dev); the shim pins FUSE_USE_VERSION.
        .systemLibrary(name: "CFuse", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        // Linux calls Glibc's module hides (fallocate, sync_file_range).
        .target(name: "CLinux"),
        // Pure on-disk formats: no I/O, no dependencies.
        .target(name: "FAT32"),
        // Pure model of the car's file system, driven by block writes: FAT chains, directory tree, long names.
        .target(name: "CarFS", dependencies: ["FAT32"]),
        // Block traces: the file format of recorded reads/writes/flushes, and self-describing pattern blocks.
        .target(name: "BlockTrace"),
        // A Tesla-pattern FAT writer: cameras growing in parallel, circular deletes, saved/sentry events, as block writes.
        .target(name: "CarSimulator", dependencies: ["FAT32", "BlockTrace"]),
        // Pure ISO BMFF (MP4) box parsing: completeness, clip metadata; Tesla clip names and event.json.
        .target(name: "MP4"),
        // Pure harvest state: where each cluster's bytes live. No Foundation, Glibc or Logging.
        .target(name: "HarvestCore"),
        // Positional files and directory operations: thin syscall wrappers, and a page-cache model that can lose
        // power (tests).
        .target(name: "FileIO", dependencies: ["CLinux"]),
        // Pure: the driving telemetry Tesla embeds as H.264 SEI (protobuf `SeiMetadata`), summaries, tracks and
        // export formats. SeiMetadata.pb.swift is generated from SeiMetadata.proto and committed (see the .proto).
        .target(name: "Telemetry", dependencies: [
            "MP4", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "RealModule", package: "swift-numerics"),  // trigonometry without Glibc
        ], exclude: ["SeiMetadata.proto"]),
        // Pure: a playable copy of a clip cut by a power cut (no moov), from a reference clip and a scan of its mdat.
        .target(name: "ClipRepair", dependencies: ["MP4", "Telemetry"]),
        // The engine: region map, metadata image, data-cluster staging, write cache, flush.
        .target(name: "Volume", dependencies: [
            "FAT32", "CarFS", "CLinux", "BlockTrace", "MP4", "HarvestCore", "FileIO",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Thin FUSE adapter exposing volume.img.
        .target(name: "FUSEMount", dependencies: [
            "CFuse", "CLinux", "Volume", "CarFS", "FAT32",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The clip catalog (SQLite through GRDB): every harvested file, its lifecycle, hash and clip metadata.
        .target(name: "Catalog", dependencies: [
            "Volume", "MP4", "Outbound", "Telemetry",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Pure retention policy: catalog rows + a space report + the time → which archived files go, and why.
        .target(name: "Retention"),
        // libcurl from Debian (libcurl4-openssl-dev): HTTP for the webhook sink (and later S3, WebDAV, Dropbox).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // zlib from Debian (zlib1g-dev): the web UI's pages gzipped once at start.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Pure AWS Signature Version 4 (S3 and S3-likes): canonical request, string to sign, signing key.
        .target(name: "SigV4", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Pure outbound core: record kinds, routes, delivery order, backoff, circuit breaker, token bucket.
        .target(name: "Outbound"),
        // The sinks and the uploader working the catalog's durable queue.
        .target(name: "Sinks", dependencies: [
            "Outbound", "Catalog", "CCurl", "MP4", "SigV4", "FileIO",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Prometheus text for /metrics: harvest, retention and sinks figures (the web listener serves it).
        .target(name: "MetricsExport", dependencies: ["Volume", "Catalog", "Sinks", "Outbound"]),
        // sd_notify over $NOTIFY_SOCKET (no libsystemd): READY, STATUS, STOPPING and the watchdog heartbeat.
        .target(name: "SystemdNotify"),
        // The web UI and its JSON API (Hummingbird): pages, clips by catalog id, live updates, /metrics.
        .target(name: "Web", dependencies: [
            "Catalog", "Volume", "CarFS", "Telemetry", "Sinks", "Outbound", "MP4", "ClipRepair", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "teslacam", dependencies: [
            "ConfigJSON",
            "FAT32", "Volume", "FUSEMount", "BlockTrace", "CarSimulator", "Catalog", "MP4", "CLinux", "Retention", "Telemetry",
            "Outbound", "Sinks", "SigV4", "MetricsExport", "ClipRepair",
            "SystemdNotify", "Web", "FileIO", "LoopbackPeers",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Pure fleet-ingest core: its config, the tus 1.0 protocol (headers, metadata, upload state), rate limits.
        // A JSON document as plain values: what the strict config loaders (board and ingest) read key by key.
        .target(name: "ConfigJSON"),
        .target(name: "Ingest", dependencies: ["Outbound", "ConfigJSON", .product(name: "Crypto", package: "swift-crypto")]),
        // The ingest server's shell: Hummingbird over mutual TLS, S3 through libcurl + SigV4, the PostgreSQL catalog.
        .target(name: "IngestServer", dependencies: [
            "Ingest", "CCurl", "SigV4",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Real servers on loopback for the tests and the benches: PostgreSQL, moto, sshd, child processes.
        .target(name: "LoopbackPeers"),
        .executableTarget(name: "teslacam-ingest", dependencies: [
            "Ingest", "IngestServer", "LoopbackPeers", "CCurl",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The ingest server end to end (PostgreSQL, moto, tuspy, the built teslacam-ingest) and the board's fleet sink against it.
        .testTarget(name: "IngestTests", dependencies: [
            "Ingest", "IngestServer", "Sinks", "Outbound", "Catalog", "Volume", "CarSimulator", "FAT32", "LoopbackPeers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FAT32Tests", dependencies: [
            "FAT32",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "CarFSTests", dependencies: [
            "CarFS", "FAT32", "CarSimulator", "BlockTrace",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "BlockTraceTests", dependencies: [
            "BlockTrace",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "CatalogTests", dependencies: [
            "Catalog", "Volume", "MP4", "Telemetry", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "CarSimulatorTests", dependencies: ["CarSimulator", "FAT32", "BlockTrace"]),
        .testTarget(name: "MP4Tests", dependencies: [
            "MP4", "BlockTrace",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "TelemetryTests", dependencies: [
            "Telemetry", "MP4", "BlockTrace",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        // Repairs of fixture clips cut at random offsets, checked with ffmpeg.
        .testTarget(name: "ClipRepairTests", dependencies: [
            "ClipRepair", "MP4", "Telemetry", "BlockTrace",
        ]),
        .testTarget(name: "HarvestCoreTests", dependencies: [
            "HarvestCore",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "FileIOTests", dependencies: ["FileIO"]),
        .testTarget(name: "VolumeTests", dependencies: [
            "Volume", "FAT32", "CarSimulator", "BlockTrace", "FileIO", "CarFS",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "RetentionTests", dependencies: ["Retention"]),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound"]),
        .testTarget(name: "SigV4Tests", dependencies: ["SigV4"]),
        // The notify protocol against datagram sockets the tests own; the units through systemd-analyze verify.
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify"]),
        // Sinks against real peers started on loopback (a folder, sshd + rsync, an HTTP server, moto's S3).
        .testTarget(name: "SinksTests", dependencies: [
            "Sinks", "Outbound", "Catalog", "Volume", "CarSimulator", "FAT32", "SigV4", "MetricsExport", "LoopbackPeers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The CLI's own logic (configuration loading); the executable is imported with @testable.
        .testTarget(name: "TeslaCamTests", dependencies: [
            "teslacam", "Retention", "Volume", "Catalog", "CarSimulator", "FAT32", "BlockTrace", "Outbound", "Sinks", "MP4", "Web",
            "ConfigJSON",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        // The web server on loopback: auth, CSRF, clip ids, byte ranges, the OpenAPI spec against the routes.
        .testTarget(name: "WebTests", dependencies: [
            "Web", "Catalog", "Volume", "Sinks", "Outbound", "CarSimulator", "FAT32", "BlockTrace", "ClipRepair", "MP4",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Mounts FUSE for real through the built `teslacam` binary.
        .testTarget(name: "IntegrationTests", dependencies: ["BlockTrace", "CarSimulator"]),
    ]
)
