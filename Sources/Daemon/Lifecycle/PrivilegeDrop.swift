#if canImport(Glibc)
import Glibc
#endif

/// Drops root to a configured user once the capture handles are open (for runs outside systemd; under
/// systemd the unit's `User=`/`DynamicUser=` and `AmbientCapabilities=CAP_NET_RAW` do this instead).
/// The state directory is handed to that user first so the journal stays writable.
enum PrivilegeDrop {
    static func drop(to user: String, stateDirectory: String) throws(DaemonError) {
        guard geteuid() == 0 else {
            DaemonLog.logger.notice("user \(user) configured but not running as root: nothing to drop")
            return
        }
        guard let pw = getpwnam(user) else { throw DaemonError.config("user \(user) does not exist") }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        chownTree(stateDirectory, uid, gid)
        var groups = [gid]
        guard setgroups(1, &groups) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw DaemonError.config("cannot switch to user \(user): \(String(cString: strerror(errno)))")
        }
        guard setuid(0) != 0 else { throw DaemonError.config("privileges could be regained after dropping to \(user)") }
        DaemonLog.logger.info("running as \(user) (uid \(uid), gid \(gid))")
    }

    private static func chownTree(_ path: String, _ uid: uid_t, _ gid: gid_t) {
        _ = chown(path, uid, gid)
        guard let dir = opendir(path) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = "\(path)/\(name)"
            if entry.pointee.d_type == UInt8(DT_DIR) { chownTree(child, uid, gid) } else { _ = chown(child, uid, gid) }
        }
    }
}
