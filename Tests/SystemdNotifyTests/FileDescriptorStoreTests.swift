import Glibc
import Testing
@testable import SystemdNotify

@Suite struct ListenedDescriptorsTests {
    @Test func namedDescriptorsFromThree() {
        let env = ["LISTEN_FDS": "2", "LISTEN_PID": "42", "LISTEN_FDNAMES": "web:fuse"]
        #expect(ListenedDescriptors(environment: env, processID: 42)?.named == ["web": 3, "fuse": 4])
    }

    @Test func unnamedIsUnknownAndOnlyForItsProcess() {
        #expect(ListenedDescriptors(environment: ["LISTEN_FDS": "1", "LISTEN_PID": "7"], processID: 7)?.named == ["unknown": 3])
        // A child that inherited the environment must not take its parent's descriptors.
        #expect(ListenedDescriptors(environment: ["LISTEN_FDS": "1", "LISTEN_PID": "7"], processID: 8) == nil)
        #expect(ListenedDescriptors(environment: ["LISTEN_FDS": "0", "LISTEN_PID": "7"], processID: 7) == nil)
        #expect(ListenedDescriptors(environment: ["LISTEN_FDS": "x", "LISTEN_PID": "7"], processID: 7) == nil)
        #expect(ListenedDescriptors(environment: [:], processID: 7) == nil)
    }

    @Test func storeMessageNamesTheDescriptor() {
        #expect(NotifyMessage.fileDescriptorStore(name: "fuse").description == "FDSTORE=1\nFDNAME=fuse")
        #expect((NotifyMessage.reloading + .status("x")).description == "RELOADING=1\nSTATUS=x")
    }
}

@Suite struct FileDescriptorStoreTests {
    /// FDSTORE=1 with SCM_RIGHTS, as systemd receives it: the descriptor that arrives is the same open file.
    @Test(arguments: [true, false]) func theDescriptorTravelsWithTheDatagram(abstract: Bool) throws {
        let listener = try NotifyListener(abstract: abstract)
        let notifier = try ServiceNotifier(address: try #require(NotifyAddress(environmentValue: listener.environmentValue)))
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        defer { close(pipeFDs[0]); close(pipeFDs[1]) }
        try notifier.send(.fileDescriptorStore(name: "fuse"), descriptors: [pipeFDs[1]])

        var buffer = [UInt8](repeating: 0, count: 256)
        var control = [UInt8](repeating: 0, count: 64)
        var received: Int32 = -1
        let n = buffer.withUnsafeMutableBytes { payload in
            control.withUnsafeMutableBytes { controlBytes in
                var iov = iovec(iov_base: payload.baseAddress, iov_len: payload.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = controlBytes.baseAddress
                    msg.msg_controllen = controlBytes.count
                    let n = recvmsg(listener.fd, &msg, Int32(MSG_CMSG_CLOEXEC))
                    let header = controlBytes.load(as: cmsghdr.self)
                    if header.cmsg_level == SOL_SOCKET && header.cmsg_type == Int32(SCM_RIGHTS) {
                        received = controlBytes.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                    }
                    return n
                }
            }
        }
        #expect(n > 0)
        #expect(String(decoding: buffer[..<max(n, 0)], as: UTF8.self) == "FDSTORE=1\nFDNAME=fuse")
        try #require(received >= 0, "no descriptor came with the datagram")
        defer { close(received) }
        // Written through the received copy, read from the original pipe: one open file.
        #expect(write(received, "x", 1) == 1)
        var byte: UInt8 = 0
        #expect(read(pipeFDs[0], &byte, 1) == 1 && byte == UInt8(ascii: "x"))
    }
}
