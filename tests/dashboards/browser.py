"""A headless Chromium driven over the DevTools protocol (CDP), for the browser tests of the dashboards.

One `Browser` is one chromium process (`--remote-debugging-port=0`; the port is read from the
`DevToolsActivePort` file in its profile folder) with one tab, spoken to over a websocket
(`websockets.sync`). `open(url)` navigates and waits until Plotly has drawn every plot div; the console
errors and uncaught exceptions of the page are collected (`errors`). Clicks are real mouse events
(`Input.dispatchMouseEvent`), so the browser itself runs Plotly's handlers.

The checks are page-independent: they discover pages from the links, selectors from the DOM.
    with Browser(profile_dir) as b:
        b.open(path.as_uri())
        check_drawn(b)            # every plot div drawn (svg.main-svg), no JS error
        check_selectors(b)        # every updatemenu option / slider step / HTML select, radio, checkbox acts
        check_links(b, path)      # every local <a href> exists (anchors: the id exists)
Each check raises `AssertionError` naming what failed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Self
from urllib.parse import unquote, urldefrag, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

CHROMIUM = Path("/usr/bin/chromium")

# The JS helpers every check uses, installed into the page once it is drawn (window.__t).
_HELPERS = r"""
(() => {
  const hash = (s) => {  // cyrb53: a short fingerprint of a long string
    let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761); h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
  };
  const plots = () => [...document.querySelectorAll('.js-plotly-plot')];
  // What a plot draws, without its own controls (menus, sliders: they change with the option clicked) and
  // without what the mouse alone draws (hover labels, spike lines, the zoom box).
  const drawn = (gd) => {
    const parts = [];
    for (const svg of gd.querySelectorAll('svg.main-svg')) {
      const c = svg.cloneNode(true);
      c.querySelectorAll('.menulayer, .slider-container, .updatemenu-container, .hoverlayer, .spikelines, .zoomlayer').forEach((e) => e.remove());
      parts.push(c.outerHTML);
    }
    return hash(parts.join('|'));
  };
  // What the whole page shows: its visible text, which elements are rendered, each plot's drawing.
  const pageState = () => {
    const shown = [...document.body.querySelectorAll('*')].map((e) => e.getClientRects().length > 0 ? '1' : '0');
    return hash(document.body.innerText + '|' + shown.join('') + '|' + plots().map(drawn).join(','));
  };
  const get = (obj, path) => {  // 'title.text', 'xaxis.range[0]'
    for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
      if (obj === undefined || obj === null) return undefined;
      obj = obj[part];
    }
    return obj;
  };
  const contains = (actual, expected) => {  // expected's keys all hold the same values in actual
    if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
      if (actual === null || typeof actual !== 'object') return false;
      return Object.keys(expected).every((k) => contains(get(actual, k), expected[k]));
    }
    return JSON.stringify(actual) === JSON.stringify(expected);
  };
  // The problems left after a Plotly method ran with these args ([] = it did what it promised).
  const unmet = (gd, method, args) => {
    const problems = [];
    const traces = (idx) => idx === undefined || idx === null ? gd.data.map((_, i) => i) : [].concat(idx);
    const restyle = (attrs, idx) => {
      const ts = traces(idx);
      for (const [k, v] of Object.entries(attrs || {})) {
        ts.forEach((t, j) => {
          const want = Array.isArray(v) ? v[j % v.length] : v;
          // a null in restyle removes the attribute (Plotly's "back to default"): undefined is what it promised
          if (want === null && get(gd.data[t], k) === undefined) return;
          if (!contains(get(gd.data[t], k), want))
            problems.push(`trace ${t} ${k} = ${JSON.stringify(get(gd.data[t], k))}, expected ${JSON.stringify(want)}`);
        });
      }
    };
    const relayout = (attrs) => {
      for (const [k, v] of Object.entries(attrs || {}))
        if (!contains(get(gd.layout, k), v))
          problems.push(`layout ${k} = ${JSON.stringify(get(gd.layout, k))}, expected ${JSON.stringify(v)}`);
    };
    if (method === 'restyle') restyle(args[0], args[1]);
    else if (method === 'relayout') relayout(args[0]);
    else if (method === 'update') { restyle(args[0], args[2]); relayout(args[1]); }
    else if (method !== 'skip') problems.push(`method ${method} is not checked`);
    return problems;
  };
  const center = (el) => {
    el.scrollIntoView({block: 'center', inline: 'center'});
    const r = el.getBoundingClientRect();
    return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height};
  };
  window.__t = {hash, plots, drawn, pageState, get, contains, unmet, center};
})();
"""

# Resolves once every plot div (class plotly-graph-div, js-plotly-plot once plotly.js took it) is drawn.
_WAIT_DRAWN = r"""
new Promise((resolve) => {
  const t0 = Date.now();
  const done = () => [...document.querySelectorAll('.plotly-graph-div, .js-plotly-plot')].every(
    (gd) => gd.classList.contains('js-plotly-plot') && gd._fullLayout && gd.querySelector('svg.main-svg'));
  const poll = () => {
    if (document.readyState === 'complete' && done())
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
    else if (Date.now() - t0 > %d) resolve(false);
    else setTimeout(poll, 20);
  };
  poll();
})
"""


class CDPError(RuntimeError):
    pass


class Browser:
    """A headless chromium with one tab; `call(method, **params)` sends a CDP command to the tab."""

    def __init__(self, profile: Path, *, chromium: Path = CHROMIUM, width: int = 1280, height: int = 900):
        self.profile = Path(profile)
        self.profile.mkdir(parents=True, exist_ok=True)
        (self.profile / "DevToolsActivePort").unlink(missing_ok=True)  # a reused profile's is stale
        self.proc = subprocess.Popen(
            [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
             "--disable-extensions", "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
             "--disable-backgrounding-occluded-windows",
             "--allow-file-access-from-files", f"--window-size={width},{height}",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._next_id = 0
        self.events: list[dict] = []
        self.errors: list[str] = []
        try:
            port, path = self._devtools_port()
            self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=20)
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
            self.call("Page.bringToFront")
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    def _devtools_port(self, timeout: float = 30.0) -> tuple[int, str]:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CDPError(f"chromium exited ({self.proc.returncode}): {self.proc.stderr.read().decode()[-2000:]}")
            lines = port_file.read_text().split("\n") if port_file.exists() else []
            if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                return int(lines[0]), lines[1].strip()
            time.sleep(0.05)
        raise CDPError("chromium wrote no DevToolsActivePort")

    # -- the protocol -------------------------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None, session: str | None = None,
              timeout: float = 30.0) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _event(self, msg: dict) -> None:
        if "method" not in msg:
            return
        self.events.append(msg)
        method, p = msg["method"], msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append(f"uncaught: {d.get('exception', {}).get('description') or d.get('text')}")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console.error: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
            self.errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}".strip())

    def call(self, method: str, **params) -> dict:
        return self._send(method, params, self.session)

    def js(self, expression: str, *, timeout: float = 30.0):
        """The value of a JS expression in the page (a promise is awaited); a JS exception raises."""
        r = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                       self.session, timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError(f"{expression[:200]}: {d.get('exception', {}).get('description') or d.get('text')}")
        return r["result"].get("value")

    # -- pages --------------------------------------------------------------------------------------
    def open(self, url: str, *, timeout: float = 20.0) -> bool:
        """Navigate to `url`, wait for its load event and for Plotly to draw every plot div; return whether
        all were drawn in time. The page's JS errors are in `self.errors` (reset here)."""
        self.errors = []
        self.events = []
        r = self.call("Page.navigate", url=url)
        if r.get("errorText"):
            raise CDPError(f"{url}: {r['errorText']}")
        deadline = time.monotonic() + timeout
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            msg = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            self._event(msg)
        drawn = self.js(_WAIT_DRAWN % int(timeout * 1000), timeout=timeout + 5)
        self.js(_HELPERS)
        return bool(drawn)

    def settle(self) -> None:
        """Let Plotly finish what a click started (its promises, two animation frames)."""
        self.js("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))")

    def click(self, x: float, y: float, *, settle: bool = True) -> None:
        """A real left click at viewport point (x, y): press, release, the mouse moved away (then `settle`)."""
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", clickCount=1)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left", clickCount=1)
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=0, y=0)  # off the plot: no hover label left
        if settle:
            self.settle()

    def click_js(self, element_expr: str, *, settle: bool = True) -> None:
        """Click the centre of the element `element_expr` evaluates to (scrolled into view first)."""
        c = self.js(f"""(() => {{ const el = {element_expr}; const c = __t.center(el);
          const top = document.elementFromPoint(c.x, c.y);
          return Object.assign(c, {{on: !!top && (el === top || el.contains(top)),
                                    top: top ? top.outerHTML.slice(0, 120) : null}}); }})()""")
        if not c or c["w"] == 0 or c["h"] == 0:
            raise AssertionError(f"{element_expr} is not shown: nothing to click")
        if not c["on"]:
            raise AssertionError(f"{element_expr} is covered by {c['top']}: a user cannot click it")
        self.click(c["x"], c["y"], settle=settle)

    def wait_for(self, condition: str, timeout: float = 5.0) -> bool:
        """Whether the JS `condition` became true within `timeout` seconds (polled each animation frame)."""
        return bool(self.js(f"""new Promise((resolve) => {{ const t0 = performance.now();
          const poll = () => {{ if ({condition}) resolve(true); else if (performance.now() - t0 > {timeout * 1000})
            resolve(false); else requestAnimationFrame(poll); }}; poll(); }})""", timeout=timeout + 5))

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                self._send("Browser.close", timeout=5)
            except (CDPError, ConnectionClosed, OSError, TimeoutError):
                pass  # closing anyway: the process is waited for (or killed) below
            ws.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- what a page holds ------------------------------------------------------------------------------
@dataclass
class PageReport:
    path: Path
    drawn: bool
    plots: int
    undrawn: list[str]
    errors: list[str]
    links: list[str]
    ids: set[str]
    text: str
    figures: list[str] = field(default_factory=list)  # JSON.stringify(gd.data) + (gd.layout) of each plot


def read_page(b: Browser, path: Path) -> PageReport:
    """Open the page and read what the checks need from the drawn DOM."""
    drawn = b.open(path.as_uri())
    info = b.js(r"""({
      plots: document.querySelectorAll('.plotly-graph-div, .js-plotly-plot').length,
      undrawn: [...document.querySelectorAll('.plotly-graph-div, .js-plotly-plot')]
        .filter((gd) => !gd.querySelector('svg.main-svg')).map((gd) => gd.id || '(no id)'),
      links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
      ids: [...document.querySelectorAll('[id], a[name]')].map((e) => e.id || e.getAttribute('name')),
      text: document.documentElement.outerHTML + '\n' + document.body.innerText,
      figures: __t.plots().map((gd) => JSON.stringify(gd.data) + '\n' + JSON.stringify(gd.layout)),
    })""")
    return PageReport(path=path, drawn=drawn, plots=info["plots"], undrawn=info["undrawn"], errors=list(b.errors),
                      links=info["links"], ids=set(info["ids"]), text=info["text"], figures=info["figures"])


def local_target(page: Path, href: str) -> tuple[Path | None, str]:
    """(file, fragment) an href points to from `page`; file None for a link off the disk (http, mailto)."""
    url, frag = urldefrag(href)
    parsed = urlparse(url)
    if parsed.scheme not in ("", "file"):
        return None, frag
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)), frag
    if not parsed.path:
        return page, frag  # "#anchor": this page
    return (page.parent / unquote(parsed.path)).resolve(), frag


def crawl(b: Browser, index: Path) -> dict[Path, PageReport]:
    """Every HTML page reachable from `index` by local links (index's links, the nav bar, any other), read."""
    seen: dict[Path, PageReport] = {}
    todo = [index.resolve()]
    while todo:
        page = todo.pop(0)
        if page in seen or not page.exists():
            continue
        seen[page] = read_page(b, page)
        for href in seen[page].links:
            target, _ = local_target(page, href)
            if target is not None and target.suffix.lower() in (".html", ".htm") and target not in seen:
                todo.append(target)
    return seen


# -- the checks ----------------------------------------------------------------------------------------
def check_drawn(report: PageReport) -> None:
    """Every plot div drawn (svg.main-svg), in time, and no JS error on the page."""
    problems = []
    if not report.drawn or report.undrawn:
        problems.append(f"plots not drawn: {report.undrawn or 'timed out'}")
    problems += report.errors
    if problems:
        raise AssertionError(f"{report.path.name}: " + "; ".join(problems))


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" or (tag == "a" and k == "name"):
                self.ids.add(v or "")


def _ids_of(file: Path, reports: dict) -> set[str]:
    for report in reports.values():
        if report.path.resolve() == file.resolve():
            return report.ids
    parser = _Ids()
    parser.feed(file.read_text(errors="replace"))
    return parser.ids


def check_links(reports: dict) -> list[Path]:
    """Every local <a href> of every page exists on disk, an anchor's id in its target page; return the
    local files linked. Links off the disk (http, mailto) are not followed (the pages are offline)."""
    problems, files = [], []
    for report in reports.values():
        page = report.path
        for href in report.links:
            target, frag = local_target(page, href)
            if target is None:
                continue
            if not target.is_file():
                problems.append(f"{page.name}: {href} -> {target} does not exist")
                continue
            files.append(target)
            if frag and target.suffix.lower() in (".html", ".htm") and unquote(frag) not in _ids_of(target, reports):
                problems.append(f"{page.name}: {href}: no id {frag!r} in {target.name}")
    if problems:
        raise AssertionError("broken links:\n" + "\n".join(problems))
    return sorted(set(files))


def _menu_options(b: Browser, plot: int) -> list[dict]:
    return b.js(f"""(() => {{
      const gd = __t.plots()[{plot}];
      return (gd._fullLayout.updatemenus || []).map((m, i) => ({{menu: i, type: m.type, visible: m.visible,
        active: m.active,
        buttons: m.buttons.map((o) => ({{label: o.label, method: o.method, args: o.args,
                                         visible: o.visible}}))}}));
    }})()""")


def _click_menu_option(b: Browser, plot: int, menu: int, option: int, menu_type: str) -> None:
    """Click option `option` of updatemenu `menu` as a user would: open the dropdown by its header, then the
    button. The DOM's menus and buttons carry Plotly's own data (`__data__._index`)."""
    gd = f"__t.plots()[{plot}]"
    group = (f"[...{gd}.querySelectorAll('.updatemenu-header-group')]"
             f".find((g) => g.__data__ && g.__data__._index === {menu})")
    if menu_type == "dropdown":
        # one button group for all dropdowns, holding the buttons of the menu opened (its index in an attribute)
        b.click_js(f"{group}.querySelector('.updatemenu-header')", settle=False)
        buttons = (f"[...{gd}.querySelectorAll('.updatemenu-dropdown-button-group')]"
                   f".filter((g) => g.getAttribute('updatemenu-active-index') === '{menu}')"
                   f".flatMap((g) => [...g.querySelectorAll('.updatemenu-dropdown-button')])")
    else:  # type 'buttons': drawn inside the menu's own group
        buttons = f"[...{group}.querySelectorAll('.updatemenu-button')]"
    button = f"{buttons}.find((g) => g.__data__ && g.__data__._index === {option})"
    if not b.wait_for(f"!!({button})"):
        raise AssertionError(f"plot {plot} menu {menu}: button {option} is not in the DOM after opening the menu")
    b.click_js(button)


def _click_slider_step(b: Browser, plot: int, slider: int, tick: int) -> None:
    """Click the slider's rail at its `tick`-th tick (one per visible step; Plotly picks the step nearest
    the click)."""
    gd = f"__t.plots()[{plot}]"
    group = (f"[...{gd}.querySelectorAll('.slider-group')].find((g) => g.__data__ && "
             f"g.__data__._index === {slider})")
    pos = b.js(f"""(() => {{
      const g = {group};
      const rail = g.querySelector('.slider-rail-touch-rect') || g.querySelector('.slider-rail-rect');
      const tick = g.querySelectorAll('.slider-tick-rect, .slider-tick')[{tick}];
      __t.center(rail);
      const r = rail.getBoundingClientRect(), t = tick.getBoundingClientRect();
      return {{x: t.left + t.width / 2, y: r.top + r.height / 2}};
    }})()""")
    b.click(pos["x"], pos["y"])


def _state(b: Browser, plot: int) -> str:
    return b.js(f"__t.drawn(__t.plots()[{plot}])")


def _after_click(b: Browser, plot: int, control: str, i: int, option: dict, before: str, where: str,
                 problems: list[str]) -> str:
    """After option `i` of `control` (e.g. 'updatemenus[0]') was clicked: it is the active one, what it
    promises holds, and the drawing is not the one `before`; return the drawing."""
    r = b.js(f"""(() => {{ const gd = __t.plots()[{plot}];
      return {{active: gd._fullLayout.{control}.active, state: __t.drawn(gd),
               unmet: __t.unmet(gd, {json.dumps(option['method'])}, {json.dumps(option['args'])})}}; }})()""")
    if r["active"] != i:
        problems.append(f"{where}: active is {r['active']} after the click")
    problems += [f"{where}: {p}" for p in r["unmet"]]
    if r["state"] == before:
        problems.append(f"{where}: the drawing did not change")
    return r["state"]


def check_selectors(b: Browser) -> int:
    """On the page open in `b`, every selector switches, clicked as a user would; return how many options
    were checked. Plotly updatemenus (dropdowns, buttons): each option in turn (the one active when the
    page opens last), its promise kept (restyle: each trace's attribute, relayout: the layout, update:
    both) and the drawing changed from the option before. Sliders: the first, a middle and the last step,
    and back to the one the page opened on: the slider's `active` is that step, its promise kept, the
    drawing changed. HTML <select> (each option), radio buttons and checkboxes (each toggle): the page's
    visible text, rendered elements or a plot's drawing changed. A selector that changes nothing raises."""
    problems: list[str] = []
    checked = 0
    for plot in range(b.js("__t.plots().length")):
        pid = b.js(f"__t.plots()[{plot}].id") or f"plot {plot}"
        for menu in _menu_options(b, plot):
            if menu["visible"] is False:
                continue
            buttons = [i for i, o in enumerate(menu["buttons"]) if o["visible"] is not False]
            if len(buttons) < 2:
                problems.append(f"{pid} menu {menu['menu']}: fewer than two options, nothing to switch")
                continue
            # from the option the page opened on (shown last), each click moves to another option
            k = buttons.index(menu["active"]) + 1 if menu["active"] in buttons else 0
            before = _state(b, plot)
            for i in buttons[k:] + buttons[:k]:
                opt = menu["buttons"][i]
                _click_menu_option(b, plot, menu["menu"], i, menu["type"])
                checked += 1
                where = f"{pid} menu {menu['menu']} option {opt['label']!r}"
                before = _after_click(b, plot, f"updatemenus[{menu['menu']}]", i, opt, before, where, problems)
        sliders = b.js(f"""(__t.plots()[{plot}]._fullLayout.sliders || []).map((s) => ({{visible: s.visible,
            active: s.active, steps: s.steps.map((o) => ({{label: o.label, method: o.method, args: o.args,
            visible: o.visible}}))}}))""")
        for s, slider in enumerate(sliders):
            if slider["visible"] is False:
                continue
            steps = [i for i, o in enumerate(slider["steps"]) if o["visible"] is not False]
            if len(steps) < 2:
                problems.append(f"{pid} slider {s}: fewer than two steps, nothing to switch")
                continue
            order = [steps[0], steps[len(steps) // 2], steps[-1]]
            order = [i for k, i in enumerate(order) if i not in order[:k]]
            # from the step the page opened on, each click moves to another step
            if slider["active"] in order:
                order.remove(slider["active"])
                order.append(slider["active"])
            before = _state(b, plot)
            for i in order:
                step = slider["steps"][i]
                _click_slider_step(b, plot, s, steps.index(i))
                checked += 1
                where = f"{pid} slider {s} step {step['label']!r}"
                before = _after_click(b, plot, f"sliders[{s}]", i, step, before, where, problems)
    checked += _check_html_inputs(b, problems)
    if problems:
        raise AssertionError("selectors that do not switch:\n" + "\n".join(problems))
    return checked


def _check_html_inputs(b: Browser, problems: list[str]) -> int:
    """Plain HTML selectors: each <select> option in turn (back to the first), each radio button (back to
    the one checked), each checkbox toggled twice; the page must change each time."""
    checked = 0
    controls = b.js(r"""[...document.querySelectorAll('select, input[type=radio], input[type=checkbox]')]
      .map((e, i) => ({i, tag: e.tagName.toLowerCase(), type: e.type, name: e.name || e.id || `#${i}`,
                       options: e.tagName === 'SELECT' ? e.options.length : 0, selected: e.selectedIndex,
                       checked: e.checked}))""")
    ctl = "document.querySelectorAll('select, input[type=radio], input[type=checkbox]')"
    radios_done: set[str] = set()
    for c in controls:
        el = f"{ctl}[{c['i']}]"
        actions: list[tuple[str, str]] = []
        if c["tag"] == "select":
            order = [k for k in range(c["options"]) if k != c["selected"]] + [c["selected"]]
            actions = [(f"option {k}", (f"(() => {{ const e = {el}; e.selectedIndex = {k}; "
                                        "e.dispatchEvent(new Event('input', {bubbles: true})); "
                                        "e.dispatchEvent(new Event('change', {bubbles: true})); })()"))
                       for k in order]
            if c["options"] < 2:
                problems.append(f"select {c['name']}: fewer than two options, nothing to switch")
                continue
        elif c["type"] == "radio":
            if c["name"] in radios_done:
                continue
            radios_done.add(c["name"])
            group = [r for r in controls if r["type"] == "radio" and r["name"] == c["name"]]
            if len(group) < 2:
                problems.append(f"radio {c['name']}: fewer than two buttons, nothing to switch")
                continue
            first = next((r for r in group if r["checked"]), group[0])
            order = [r for r in group if r is not first] + [first]
            actions = [(f"button {r['i']}", _clickable(f"{ctl}[{r['i']}]")) for r in order]
        else:
            actions = [("toggle", _clickable(el)), ("toggle back", _clickable(el))]
        before = b.js("__t.pageState()")
        for what, action in actions:
            if c["tag"] == "select":
                b.js(action)
                b.settle()
            else:
                b.click_js(action)
            checked += 1
            after = b.js("__t.pageState()")
            if after == before:
                problems.append(f"{c['tag']} {c['name']} {what}: the page did not change")
            before = after
    return checked


def _clickable(input_expr: str) -> str:
    """The input itself where a user can click it, else its label (an input hidden behind a styled label)."""
    return (f"((e) => {{ const r = e.getBoundingClientRect(); "
            f"const top = r.width > 0 ? document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) : null; "
            f"return top === e || !(e.labels && e.labels.length) ? e : e.labels[0]; }})({input_expr})")


def check_no_account_ids(text: str, ids: list[str], where: str) -> None:
    """None of the account ids, nor the string 'account_id', in `text`."""
    found = [i for i in ids if i in text] + (["account_id"] if "account_id" in text.lower() else [])
    if found:
        raise AssertionError(f"{where} holds {found}")


def copy_reports(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst

