/// NOTIFICATION (RFC 4271 §4.5) with the Cease subcode texts of RFC 9003 (shutdown communication)
/// and RFC 8538 (Hard Reset, which wraps the code and subcode of the real reason).
public struct NotificationMessage: Sendable, Hashable {
    public var code: UInt8
    public var subcode: UInt8
    public var data: [UInt8]

    public init(code: UInt8, subcode: UInt8, data: [UInt8] = []) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }

    /// Decodes the body after the 19-octet header.
    public init(body: inout WireReader) throws(WireError) {
        guard let code = body.readUInt8(), let subcode = body.readUInt8() else {
            throw WireError(.badNotification, at: body.position, "missing error code")
        }
        self.code = code
        self.subcode = subcode
        data = body.readRemainingBytes()
    }

    public var codeName: String { NotificationNames.code(code) }
    public var subcodeName: String? { NotificationNames.subcode(code: code, subcode: subcode) }

    /// RFC 9003 §2: for Cease/Administrative Shutdown or Reset, a length octet then UTF-8 text (≤ 255).
    /// For Cease/Hard Reset (RFC 8538 §3) the data is the inner code/subcode, whose own communication is read.
    public var shutdownCommunication: String? {
        guard code == 6 else { return nil }
        if subcode == 2 || subcode == 4 { return Self.communication(data[...]) }
        if subcode == 9, data.count >= 2, data[0] == 6, data[1] == 2 || data[1] == 4 {
            return Self.communication(data.dropFirst(2))
        }
        return nil
    }

    /// RFC 8538 §3: the wrapped (code, subcode) of a Cease/Hard Reset.
    public var hardResetReason: (code: UInt8, subcode: UInt8)? {
        guard code == 6, subcode == 9, data.count >= 2 else { return nil }
        return (data[data.startIndex], data[data.startIndex + 1])
    }

    private static func communication(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let length = bytes.first, length > 0, bytes.count >= 1 + Int(length) else { return nil }
        let text = bytes.dropFirst().prefix(Int(length))
        return String(validating: text, as: UTF8.self) ?? String(decoding: text, as: UTF8.self)
    }
}

/// Names of NOTIFICATION codes and subcodes (IANA "BGP Error (Notification) Codes" and subcodes).
public enum NotificationNames {
    public static func code(_ code: UInt8) -> String {
        switch code {
        case 1: "Message Header Error"
        case 2: "OPEN Message Error"
        case 3: "UPDATE Message Error"
        case 4: "Hold Timer Expired"
        case 5: "Finite State Machine Error"
        case 6: "Cease"
        case 7: "ROUTE-REFRESH Message Error"
        default: "Unknown (\(code))"
        }
    }

    public static func subcode(code: UInt8, subcode: UInt8) -> String? {
        let names: [UInt8: String]
        switch code {
        case 1: names = [1: "Connection Not Synchronized", 2: "Bad Message Length", 3: "Bad Message Type"]
        case 2:
            names = [1: "Unsupported Version Number", 2: "Bad Peer AS", 3: "Bad BGP Identifier",
                     4: "Unsupported Optional Parameter", 6: "Unacceptable Hold Time", 7: "Unsupported Capability",
                     8: "Deprecated", 9: "Deprecated", 10: "Deprecated", 11: "Role Mismatch"]
        case 3:
            names = [1: "Malformed Attribute List", 2: "Unrecognized Well-known Attribute",
                     3: "Missing Well-known Attribute", 4: "Attribute Flags Error", 5: "Attribute Length Error",
                     6: "Invalid ORIGIN Attribute", 8: "Invalid NEXT_HOP Attribute", 9: "Optional Attribute Error",
                     10: "Invalid Network Field", 11: "Malformed AS_PATH"]
        case 5:
            names = [1: "Receive Unexpected Message in OpenSent State",
                     2: "Receive Unexpected Message in OpenConfirm State",
                     3: "Receive Unexpected Message in Established State"]
        case 6:
            names = [1: "Maximum Number of Prefixes Reached", 2: "Administrative Shutdown", 3: "Peer De-configured",
                     4: "Administrative Reset", 5: "Connection Rejected", 6: "Other Configuration Change",
                     7: "Connection Collision Resolution", 8: "Out of Resources", 9: "Hard Reset", 10: "BFD Down"]
        case 7: names = [1: "Invalid Message Length"]
        default: names = [:]
        }
        return names[subcode]
    }
}
