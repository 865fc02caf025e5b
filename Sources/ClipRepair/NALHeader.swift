/// The one-byte header of an H.264 NAL unit, and the plausibility rules a scan of unindexed `mdat` bytes
/// leans on to tell NAL units from garbage or never-written (zeroed) clusters.
struct NALHeader: Hashable, Sendable {
    let byte: UInt8

    var forbiddenBit: Bool { byte & 0x80 != 0 }
    var referenceIDC: UInt8 { (byte >> 5) & 0x03 }
    var type: UInt8 { byte & 0x1F }

    /// A coded slice (VCL NAL unit): 1 (non-IDR) or 5 (IDR).
    var isSlice: Bool { type == 1 || type == 5 }
    var isIDR: Bool { type == 5 }
    var isSEI: Bool { type == 6 }

    /// H.264 7.4.1.2.3: these NAL units, once a picture has been seen, begin the next access unit.
    var beginsAccessUnit: Bool { [6, 7, 8, 9, 14, 15, 16, 17, 18].contains(type) }

    /// Whether the byte could head a NAL unit of an AVC stream: forbidden bit clear, a type H.264 defines for
    /// AVC, and nal_ref_idc as 7.4.1 requires (non-zero for IDR, zero for SEI, delimiters and end markers).
    var isPlausible: Bool {
        guard !forbiddenBit else { return false }
        switch type {
        case 5: return referenceIDC != 0
        case 6, 9, 10, 11, 12: return referenceIDC == 0
        case 1, 2, 3, 4, 7, 8, 13, 14, 15, 19, 20: return true
        default: return false
        }
    }
}
