extension PageAssets {
    /// Mobile first: one column and a bottom tab bar on a phone; wider grids and a top bar from 800 px.
    static let style = #"""
    :root{--bg:#111214;--card:#1c1d21;--line:#2c2e33;--text:#eceef1;--muted:#9aa0a8;--accent:#e82127;--ok:#3ecf6e;--warn:#f0b429;--bad:#ff5a5f}
    @media (prefers-color-scheme:light){:root{--bg:#f4f5f7;--card:#fff;--line:#dde0e4;--text:#15171a;--muted:#5d646d}}
    *{box-sizing:border-box}
    [hidden]{display:none!important}
    html,body{margin:0;background:var(--bg);color:var(--text);font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
    a{color:inherit}
    .top{position:sticky;top:0;z-index:5;display:flex;align-items:center;gap:12px;padding:10px 14px;background:var(--card);border-bottom:1px solid var(--line)}
    .brand{display:flex;align-items:center;gap:6px;font-weight:600;text-decoration:none}
    #nav{position:fixed;left:0;right:0;bottom:0;display:flex;background:var(--card);border-top:1px solid var(--line);padding-bottom:env(safe-area-inset-bottom);z-index:5}
    #nav a{flex:1;text-align:center;padding:12px 0;text-decoration:none;color:var(--muted)}
    #nav a.on{color:var(--text);box-shadow:inset 0 2px 0 var(--accent)}
    #logout{margin-left:auto}
    main{padding:12px 12px 80px;max-width:1200px;margin:0 auto}
    h1{font-size:20px;margin:6px 0 12px}
    h2{font-size:16px;margin:18px 0 8px;color:var(--muted);font-weight:600}
    .muted{color:var(--muted)}
    .card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px;margin-bottom:10px}
    .card>p:first-child{margin-top:0}
    .card>p:last-child{margin-bottom:0}
    .grid{display:grid;grid-template-columns:1fr 1fr;gap:10px}
    .stat b{display:block;font-size:22px}
    .dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--muted);margin-right:6px;vertical-align:middle}
    .dot.ok{background:var(--ok)}.dot.warn{background:var(--warn)}.dot.bad{background:var(--bad)}
    .bar{height:8px;background:var(--line);border-radius:4px;overflow:hidden;margin-top:6px}.bar i{display:block;height:100%;background:#5aa9ff}
    .bar.warn i{background:var(--warn)}.bar.bad i{background:var(--bad)}
    ul.rows{list-style:none;margin:0;padding:0}ul.rows li{display:flex;justify-content:space-between;gap:8px;padding:6px 0;border-bottom:1px solid var(--line)}
    ul.rows li:last-child{border-bottom:0}
    .chips{display:flex;gap:8px;margin-bottom:10px;flex-wrap:wrap}
    .chips button,button.btn,a.btn{background:var(--card);color:var(--text);border:1px solid var(--line);border-radius:18px;padding:7px 14px;font:inherit;cursor:pointer;text-decoration:none;display:inline-block}
    .chips button.on,button.btn.on,a.btn.on{background:var(--accent);border-color:var(--accent);color:#fff}
    button.link{background:none;border:0;color:var(--muted);font:inherit;cursor:pointer}
    .events{display:grid;grid-template-columns:1fr;gap:10px}
    .event{display:flex;gap:10px;text-decoration:none;background:var(--card);border:1px solid var(--line);border-radius:12px;overflow:hidden}
    .event img,.event .noimg{width:120px;height:90px;object-fit:cover;background:#000;flex:none}
    .event div{padding:8px 10px 8px 0;min-width:0}
    .event .what{font-weight:600}
    .badge{display:inline-block;font-size:12px;padding:1px 7px;border-radius:9px;background:var(--line);margin-right:6px}
    .badge.sentry{background:#5b1a1c;color:#ffd6d7}.badge.saved{background:#17344f;color:#d4e9ff}
    .hour{display:flex;flex-wrap:wrap;gap:6px}
    .hour a{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 9px;text-decoration:none;font-variant-numeric:tabular-nums}
    .sentinel{height:40px}
    .login{max-width:340px;margin:12vh auto}
    .login input,.form input{width:100%;font:inherit;padding:11px;border-radius:10px;border:1px solid var(--line);background:var(--bg);color:var(--text);margin:8px 0}
    .login button{width:100%}
    .form{max-width:420px}.form h2{margin-top:0}.okay{color:var(--ok)}
    .form select{width:100%;font:inherit;padding:11px;border-radius:10px;border:1px solid var(--line);background:var(--bg);color:var(--text);margin:8px 0}
    .setting{display:block;margin:12px 0 4px}.setting>span{font-weight:600}.setting>small{display:block;margin-top:-4px}.settings{max-width:520px}
    .pending{margin:12px 0}.pending .notice{color:var(--warn)}
    .dropbox-account{flex-wrap:wrap}.dropbox-account .steps{flex-basis:100%}.steps .form{max-width:none}
    .chips input[type=date]{font:inherit;background:var(--card);color:var(--text);border:1px solid var(--line);border-radius:18px;padding:5px 10px}
    .error{color:var(--bad)}
    .player{position:relative}
    .cams{display:grid;grid-template-columns:1fr 1fr;gap:4px;background:#000;border-radius:10px;overflow:hidden}
    .cam{position:relative;background:#000;aspect-ratio:4/3;cursor:pointer}
    .cam video{width:100%;height:100%;display:block;object-fit:contain;background:#000}
    .cam span{position:absolute;left:6px;top:4px;font-size:11px;color:#fff;background:rgba(0,0,0,.5);padding:1px 5px;border-radius:4px}
    .cam.missing video{visibility:hidden}
    .cam video.next{position:absolute;inset:0;opacity:0;pointer-events:none}
    .player .note{margin:0 0 8px;padding:8px 10px;border-radius:8px;background:rgba(255,170,0,.12);border:1px solid rgba(255,170,0,.4)}
    .cams.focus{grid-template-columns:repeat(5,1fr)}
    .cams.focus .cam.main{grid-column:1/-1;order:-1;aspect-ratio:auto;height:min(56vw,62vh)}
    .cams.one{grid-template-columns:1fr;max-width:860px}
    .overlay{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin:8px 0;font-variant-numeric:tabular-nums}
    .overlay .speed{font-size:28px;font-weight:700}
    .overlay .gear{font-weight:700;padding:2px 8px;border:1px solid var(--line);border-radius:6px}
    .overlay .ap{color:#5aa9ff}
    .overlay .dash{display:inline-flex;align-items:center;gap:8px}
    .overlay .steer{display:inline-flex;align-items:center;gap:4px}
    .overlay .wheel{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2}
    .overlay .wheel .top{fill:currentColor;stroke:none}
    .overlay .blinker{opacity:.25;font-size:20px}
    .overlay .blinker.on{opacity:1;color:#3fd16b}
    .overlay .brake{opacity:.3;font-weight:700;padding:2px 8px;border:1px solid var(--line);border-radius:6px}
    .overlay .brake.on{opacity:1;color:#fff;background:#d33;border-color:#d33}
    .controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
    .controls input[type=range]{flex:1 1 100%;accent-color:var(--accent);margin:6px 0}
    .controls select{font:inherit;padding:6px;border-radius:8px;background:var(--card);color:var(--text);border:1px solid var(--line)}
    .time{font-variant-numeric:tabular-nums;color:var(--muted)}
    svg.map{width:120px;height:120px;background:var(--card);border:1px solid var(--line);border-radius:10px}
    svg.map polyline{fill:none;stroke:#5aa9ff;stroke-width:2;vector-effect:non-scaling-stroke}
    svg.map circle{fill:var(--accent)}
    svg.map.wide{width:100%;height:auto;max-height:180px;border:0}
    svg.map text.credit{fill:#333;paint-order:stroke;stroke:#fff;stroke-width:2px;stroke-opacity:.7}
    svg.map circle.saved{fill:#5aa9ff}
    svg.map circle.start{fill:var(--ok)}
    .drive{display:flex;gap:12px;align-items:flex-start}.drive>div{min-width:0}.drive .what{font-weight:600}
    .drive svg.route{width:110px;height:110px;flex:none}
    .drive .chips{margin:8px 0 0}
    .timeline{position:relative;flex:1 1 100%;display:flex}
    .timeline input{flex:1}
    .timeline .trigger{position:absolute;top:50%;width:4px;height:16px;background:var(--warn);border-radius:2px;pointer-events:none;transform:translate(-2px,-50%)}
    button.btn.small{padding:2px 9px;font-size:13px;margin-left:4px}
    @media (min-width:800px){
      #nav{position:static;border:0;background:none;padding:0}
      #nav a{flex:none;padding:6px 12px}
      #nav a.on{box-shadow:inset 0 -2px 0 var(--accent)}
      main{padding:18px 24px 40px}
      .grid{grid-template-columns:repeat(4,1fr)}
      .events{grid-template-columns:1fr 1fr}
      .cams.six{grid-template-columns:repeat(3,1fr)}
      /* The grid fits the window's height with room for the controls: 2x2 of 4:3 is 3/4 as high as wide, 3x2 half. */
      .cams{max-width:calc((100vh - 340px) * 4 / 3);margin:0 auto}
      .cams.six{max-width:calc((100vh - 340px) * 2)}
      .cams.one{max-width:calc((100vh - 340px) * 4 / 3)}
      .cams.focus{max-width:none}
      /* The telemetry beside the cameras, not under the controls: on a desktop it stays above the fold. */
      .player{display:grid;grid-template-columns:minmax(0,1fr) 190px;gap:0 16px;align-items:start}
      .player .cams{grid-column:1;grid-row:1;width:100%}
      .player .controls{grid-column:1/-1;grid-row:2}
      .player .overlay{grid-column:2;grid-row:1;flex-direction:column;align-items:flex-start;margin:0}
      .player .overlay svg.map{width:170px;height:170px}
      .cams.focus{grid-template-columns:repeat(5,1fr)}
    }
    """#
}
