import Foundation
import Hummingbird

/// The single page and its two assets, compiled into the binary (the board often has no internet: no CDN, no
/// files to install beside it). The page is the same for everyone; the data behind it needs a login.
extension WebServer {
    func registerPages(_ add: Add) {
        _ = PageAssets.served  // compressed now, not on a phone's first request
        add(.get, "/", .anyone) { request, _ in PageAssets.served.page.response(to: request) }
        add(.get, "/app.js", .anyone) { request, _ in PageAssets.served.script.response(to: request) }
        add(.get, "/app.css", .anyone) { request, _ in PageAssets.served.style.response(to: request) }
        add(.get, "/icon.svg", .anyone) { request, _ in PageAssets.served.icon.response(to: request) }
    }
}

/// The four files as served: compressed and digested once, on first use.
struct ServedPages: Sendable {
    let page, script, style, icon: StaticAsset

    init() {
        script = StaticAsset(PageAssets.script, type: "text/javascript; charset=utf-8", versioned: true)
        style = StaticAsset(PageAssets.style, type: "text/css; charset=utf-8", versioned: true)
        icon = StaticAsset(PageAssets.icon, type: "image/svg+xml", versioned: true)
        // The page names its files by their digests: a new build is a new name, so a phone may keep them.
        let html = PageAssets.html.replacingOccurrences(of: "/app.js\"", with: "/app.js?v=\(script.version)\"")
            .replacingOccurrences(of: "/app.css\"", with: "/app.css?v=\(style.version)\"")
            .replacingOccurrences(of: "/icon.svg\"", with: "/icon.svg?v=\(icon.version)\"")
        page = StaticAsset(html, type: "text/html; charset=utf-8", versioned: false)
    }
}

enum PageAssets {
    static let served = ServedPages()

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
    <meta name="color-scheme" content="dark light">
    <title>TeslaCam</title>
    <link rel="icon" href="/icon.svg">
    <link rel="stylesheet" href="/app.css">
    <script src="/app.js" defer></script>
    </head>
    <body>
    <header class="top"><a class="brand" href="#/now"><img src="/icon.svg" alt="" width="22" height="22">TeslaCam</a>
    <nav id="nav"><a href="#/now" data-tab="now">Now</a><a href="#/events" data-tab="events">Events</a><a href="#/recent" data-tab="recent">Recent</a><a href="#/drives" data-tab="drives">Drives</a><a href="#/settings" data-tab="settings">Settings</a></nav>
    <button id="logout" class="link" hidden>Log out</button></header>
    <main id="main"><p class="muted">Loading…</p></main>
    <noscript>TeslaCam's pages need JavaScript.</noscript>
    </body>
    </html>
    """#

    static let icon = #"""
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect x="2" y="6" width="14" height="12" rx="2" fill="#e82127"/><path d="M16 10l6-3v10l-6-3z" fill="#e82127"/><circle cx="9" cy="12" r="3" fill="#fff"/></svg>
    """#
}
