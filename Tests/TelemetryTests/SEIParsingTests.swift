import Testing
@testable import Telemetry

/// The H.264 layers under the telemetry: emulation prevention, sei_message framing, Tesla's marker.
@Suite struct SEIParsingTests {
    @Test func emulationPreventionBytesAreRemovedOnlyAfterTwoZeros() {
        #expect(RBSP.removingEmulationPrevention([0, 0, 3, 1, 0, 3, 0, 0, 3, 3, 0, 0, 3][...]) == [0, 0, 1, 0, 3, 0, 0, 3, 0, 0])
        // A 0x03 right after a removed one is data (the zero count restarts).
        #expect(RBSP.removingEmulationPrevention([0, 0, 3, 0, 0, 3, 0][...]) == [0, 0, 0, 0, 0])
    }

    @Test func messagesWithMultiByteTypesAndSizes() {
        let long = [UInt8](repeating: 7, count: 300)
        // type 5 size 300 (255 + 45), then type 256 (255 + 1) size 2, then the stop bit.
        let rbsp: [UInt8] = [5, 0xFF, 45] + long + [0xFF, 1, 2, 9, 9, 0x80]
        let messages = SEIMessage.messages(inRBSP: rbsp)
        #expect(messages.map(\.payloadType) == [5, 256])
        #expect(Array(messages[0].payload) == long && Array(messages[1].payload) == [9, 9])
        #expect(messages.allSatisfy { !$0.sizeWasTruncated })
    }

    @Test func aSizePastTheEndKeepsWhatIsThereWithoutTheStopBit() {
        let messages = SEIMessage.messages(inRBSP: [5, 200, 0x42, 0x69, 0x08, 0x01, 0x80])
        #expect(messages.count == 1 && messages[0].sizeWasTruncated)
        #expect(Array(messages[0].payload) == [0x42, 0x69, 0x08, 0x01])
        #expect(SEIMessage.messages(inRBSP: [5]).isEmpty && SEIMessage.messages(inRBSP: [0xFF, 0xFF]).isEmpty)
        #expect(SEIMessage.messages(inRBSP: [0x80, 0, 0]).isEmpty)
    }

    @Test func teslasMarkerIsARunOf0x42ThenOne0x69() {
        #expect(TeslaSEI.metadataBytes(inPayload: [0x42, 0x42, 0x42, 0x69, 8, 1][...]).map(Array.init) == [8, 1])
        #expect(TeslaSEI.metadataBytes(inPayload: [0x42, 0x69][...]).map(Array.init) == [])
        #expect(TeslaSEI.metadataBytes(inPayload: [0x69, 8, 1][...]) == nil)  // no 0x42 run
        #expect(TeslaSEI.metadataBytes(inPayload: [0x42, 0x42, 8, 1][...]) == nil)  // no 0x69
        #expect(TeslaSEI.metadataBytes(inPayload: [0x42, 0x42][...]) == nil)
        // x264's user data: a 16-byte UUID, then its settings as text.
        let x264: [UInt8] = [0xDC, 0x45, 0xE9, 0xBD, 0xE6, 0xD9, 0x48, 0xB7] + Array("x264 - core".utf8)
        #expect(TeslaSEI.metadataBytes(inPayload: x264[...]) == nil)
    }

    @Test func aLyingSizeStillDecodesTheMessageLikeTeslasExtractor() {
        // NAL header, type 5, size 250 (a lie), marker, version 1 and gear DRIVE, stop bit.
        let nal: [UInt8] = [0x06, 5, 250, 0x42, 0x42, 0x42, 0x69, 0x08, 0x01, 0x10, 0x01, 0x80]
        var telemetry = ClipTelemetry(frames: [], videoFrames: 0, timescale: 1, recordedAt: nil)
        let state = TelemetryReader.teslaState(inNAL: nal, telemetry: &telemetry)
        #expect(state?.version == 1 && state?.gear == .drive)
    }

    @Test func aBrokenProtobufIsCountedNotThrown() {
        // Field 11 (latitude, fixed64) with only three of its eight bytes.
        let nal: [UInt8] = [0x06, 5, 8, 0x42, 0x69, 0x59, 1, 2, 3, 0x08, 0x01, 0x80]
        var telemetry = ClipTelemetry(frames: [], videoFrames: 0, timescale: 1, recordedAt: nil)
        #expect(TelemetryReader.teslaState(inNAL: nal, telemetry: &telemetry) == nil)
        #expect(telemetry.undecodable == 1)
    }

    @Test func unknownEnumValuesAndFieldsSurvive() throws {
        // gear_state 9 (not in our enum), autopilot_state 7, and an unknown field 20 (varint).
        let state = try VehicleState(protobuf: [0x10, 0x09, 0x50, 0x07, 0xA0, 0x01, 0x05][...])
        #expect(state.gear.rawValue == 9 && state.gear.protoName == "9")
        #expect(state.autopilot.rawValue == 7 && state.autopilot.isEngaged)
    }
}

import PropertyBased

extension SEIParsingTests {
    @Test func arbitraryNALsNeverCrashAndPayloadsStayInside() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...300)) { bytes in
            let rbsp = RBSP.removingEmulationPrevention(bytes[...])
            #expect(rbsp.count <= bytes.count)
            for message in SEIMessage.messages(inRBSP: rbsp) {
                #expect(message.payload.startIndex >= 0 && message.payload.endIndex <= rbsp.count)
            }
            var telemetry = ClipTelemetry(frames: [], videoFrames: 0, timescale: 1, recordedAt: nil)
            _ = TelemetryReader.teslaState(inNAL: [0x06] + bytes, telemetry: &telemetry)
            _ = TelemetryReader.teslaState(inNAL: [0x06, 5, UInt8(truncatingIfNeeded: bytes.count + 2), 0x42, 0x69] + bytes,
                                           telemetry: &telemetry)
        }
    }
}
