import ArgumentParser
import Foundation
import Web

/// `teslacam passwd --state DIR`: sets the web UI's password (read from standard input, one line), stored as a
/// slow salted hash in `STATE/web-password`. A running daemon uses it at the next login.
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set the web UI's password: read from standard input, stored as a salted PBKDF2 hash in the state.")

    @Option(help: "State directory (where the daemon keeps the catalog).") var state: String
    @Flag(help: "Make up a password, store it, and print it.") var generate = false

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: state, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("the state directory \(state) does not exist (format or run the daemon first, or create it)")
        }
        let password: String
        if generate {
            password = Self.generated()
        } else {
            let typed = isatty(STDIN_FILENO) == 1
            if typed { FileHandle.standardError.write(Data("New web UI password: ".utf8)) }
            let line = typed ? Self.readHidden() : readLine(strippingNewline: true)
            guard let line, !line.isEmpty else { throw ValidationError("no password on standard input") }
            guard line.count >= 8 else { throw ValidationError("the password needs at least 8 characters") }
            password = line
        }
        let hash: PasswordHash
        do { hash = try PasswordHash(password: password) } catch { throw ValidationError("\(error)") }
        do { try hash.save(state: state) } catch {
            throw ValidationError("cannot write \(state)/\(PasswordHash.fileName): \(error.localizedDescription)")
        }
        if generate { print(password) } else { FileHandle.standardError.write(Data("password set\n".utf8)) }
    }

    /// Four groups of five letters and digits (~100 bits), easy to type on a phone.
    static func generated() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String((0..<5).map { _ in alphabet.randomElement(using: &generator)! }) }
            .joined(separator: "-")
    }

    /// A line from the terminal without echo.
    static func readHidden() -> String? {
        var old = termios()
        tcgetattr(STDIN_FILENO, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &old)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }
}
