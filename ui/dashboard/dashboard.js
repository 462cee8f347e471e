// weft's dashboard logic: authenticates on appd's WebSocket, lists apps and sessions, follows events; every app string is set as text, never as HTML.

const POLL_MS = 1000;
const SPARK_POINTS = 60;
const MAX_EVENTS = 100;

/** The credential arrives in the fragment (never sent to a server), is kept for this tab only, and leaves the address bar. */
function takeToken() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('weft-token', fromHash);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem('weft-token');
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function formatBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatDuration(ms) {
  if (ms == null) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function appUiUrl(sessionId) {
  return `http://s${sessionId}.localhost:${location.port}/`;
}

class Connection {
  constructor(token, onEvent, onStatus) {
    this.pending = [];
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.token = token;
  }

  open() {
    return new Promise((resolve) => {
      this.socket = new WebSocket(`ws://${location.host}/`);
      this.socket.onopen = async () => {
        const answer = await this.request({ type: 'AUTH', token: this.token });
        this.onStatus(answer.type === 'AUTHENTICATED' ? 'connected' : `refused: ${answer.message}`);
        resolve(answer.type === 'AUTHENTICATED');
      };
      this.socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.event === true) this.onEvent(message);
        else this.pending.shift()?.(message);
      };
      this.socket.onclose = () => {
        this.onStatus('disconnected; reload the page (weftctl dashboard)');
        for (const resolvePending of this.pending.splice(0)) resolvePending({ type: 'ERROR', code: 0, message: 'disconnected' });
        resolve(false);
      };
    });
  }

  /** Answers come in request order, so each waits its turn in `pending`. */
  request(message) {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.socket.send(JSON.stringify(message));
    });
  }
}

const sessions = new Map();
let connection;

function logEvent(message) {
  const list = document.getElementById('events');
  const { type, event: _event, ...rest } = message;
  list.prepend(el('li', {}, `${new Date().toLocaleTimeString()} ${type} ${JSON.stringify(rest)}`));
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

function renderApps(apps) {
  const list = document.getElementById('apps');
  list.replaceChildren();
  for (const app of apps) {
    const launch = el('button', { type: 'button' }, 'Launch');
    launch.onclick = () => launchApp(app.app_id);
    const open = el('button', { type: 'button' }, 'Open');
    open.onclick = () => openApp(app.app_id);
    const signed = app.signed_by ? `signed by ${app.signed_by.slice(0, 16)}…` : 'unsigned';
    const capabilities = app.capabilities && app.capabilities.length > 0 ? app.capabilities.join(', ') : 'no capabilities';
    list.append(el('li', { 'data-app-id': app.app_id },
      el('div', { class: 'title' }, app.name),
      el('div', { class: 'meta' }, `${app.app_id} · ${app.version} · ${signed}`),
      ...(app.description ? [el('div', { 'data-field': 'description' }, app.description)] : []),
      el('div', { class: 'meta', 'data-field': 'capabilities' }, capabilities),
      el('div', {}, launch, ...(app.has_ui === false ? [] : [open]))));
  }
}

async function launchApp(appId) {
  const answer = await connection.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 });
  if (answer.type === 'LAUNCH_ACK') trackSession(answer.session_id, answer.app_id);
  else logEvent(answer);
  return answer;
}

async function openApp(appId) {
  // A window opened before the await keeps the click's user activation (popup blockers).
  const win = window.open('about:blank', '_blank');
  const running = [...sessions.values()].find((s) => s.appId === appId && s.state !== 'stopped');
  const sessionId = running ? running.id : (await launchApp(appId)).session_id;
  if (sessionId == null) return win?.close();
  await waitRunning(sessionId);
  if (win) win.location.href = appUiUrl(sessionId);
}

function waitRunning(sessionId) {
  return new Promise((resolve) => {
    const check = () => (sessions.get(sessionId)?.state === 'running' ? resolve() : setTimeout(check, 100));
    check();
  });
}

function trackSession(id, appId) {
  if (sessions.has(id)) return sessions.get(id);
  const stop = el('button', { type: 'button' }, 'Stop');
  stop.onclick = () => connection.request({ type: 'TERMINATE_APP', session_id: id });
  const restart = el('button', { type: 'button' }, 'Restart');
  restart.onclick = async () => {
    await connection.request({ type: 'TERMINATE_APP', session_id: id });
    await launchApp(appId);
  };
  const open = el('button', { type: 'button' }, 'Open');
  open.onclick = () => window.open(appUiUrl(id), '_blank');
  const logView = el('pre', { 'data-field': 'log', hidden: '' });
  const logButton = el('button', { type: 'button' }, 'Log');
  logButton.onclick = async () => {
    logView.hidden = !logView.hidden;
    if (!logView.hidden) await refreshLog(sessions.get(id));
  };
  const fields = {};
  const figure = (name, label) => {
    fields[name] = el('dd', { 'data-field': name }, '–');
    return el('div', {}, el('dt', {}, label), fields[name]);
  };
  const spark = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  spark.setAttribute('class', 'spark');
  spark.setAttribute('viewBox', `0 0 ${SPARK_POINTS} 28`);
  spark.setAttribute('preserveAspectRatio', 'none');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  spark.append(line);
  const state = el('span', { 'data-field': 'state' }, 'starting');
  const row = el('li', { 'data-session-id': id, 'data-state': 'starting' },
    el('div', { class: 'title' }, `#${id} `, state),
    el('div', { class: 'meta' }, appId),
    el('dl', { class: 'figures' }, figure('uptime', 'uptime'), figure('ready', 'ready in'), figure('restarts', 'restarts'), figure('cpu', 'CPU'), figure('memory', 'memory'), figure('exit', 'last exit')),
    spark,
    el('div', {}, stop, restart, open, logButton),
    logView);
  document.getElementById('sessions').prepend(row);
  const session = { id, appId, row, state: 'starting', stateNode: state, fields, line, memory: [], logView };
  sessions.set(id, session);
  return session;
}

function setState(session, state) {
  session.state = state;
  session.row.dataset.state = state;
  session.stateNode.textContent = state;
}

/** The session's last output lines (appd keeps a bounded ring), shown as text. */
async function refreshLog(session) {
  const answer = await connection.request({ type: 'QUERY_LOG', session_id: session.id });
  if (answer.type !== 'LOG_LINES') return;
  session.logView.textContent = answer.lines.map((l) => `${l.at.slice(11, 19)} ${l.stream === 'stdout' ? ' ' : '!'} ${l.text}`).join('\n') || '(no output yet)';
  session.logView.scrollTop = session.logView.scrollHeight;
}

async function poll() {
  for (const session of sessions.values()) {
    if (!session.logView.hidden) await refreshLog(session);
    if (session.state === 'stopped') continue;
    const answer = await connection.request({ type: 'QUERY_SESSION', session_id: session.id });
    if (answer.type !== 'SESSION_INFO') continue;
    const d = answer.session;
    setState(session, d.state);
    session.fields.uptime.textContent = formatDuration(Date.now() - Date.parse(d.started_at));
    session.fields.ready.textContent = d.ready_ms == null ? '–' : `${d.ready_ms} ms`;
    session.fields.restarts.textContent = String(d.restarts);
    session.fields.cpu.textContent = d.cpu_percent == null ? '–' : `${d.cpu_percent.toFixed(1)} %`;
    session.fields.memory.textContent = formatBytes(d.rss_bytes);
    session.fields.exit.textContent = d.exit ? `${d.exit.reason}${d.exit.exit_code != null ? ` (${d.exit.exit_code})` : ''}${d.exit.signal ? ` ${d.exit.signal}` : ''}` : '–';
    if (d.rss_bytes != null) {
      session.memory = [...session.memory, d.rss_bytes].slice(-SPARK_POINTS);
      const top = Math.max(...session.memory) || 1;
      // Spread over the chart's width from the first sample, so a young session's line is not a stub.
      const step = session.memory.length > 1 ? (SPARK_POINTS - 1) / (session.memory.length - 1) : 0;
      session.line.setAttribute('points', session.memory.map((v, i) => `${(i * step).toFixed(1)},${(28 - (v / top) * 26).toFixed(1)}`).join(' '));
    }
  }
}

function onEvent(message) {
  logEvent(message);
  if (message.type === 'LAUNCH_ACK') trackSession(message.session_id, message.app_id);
  if (message.type === 'APP_READY') setState(trackSession(message.session_id, message.app_id), 'running');
  if (message.type === 'APP_STATE' && sessions.has(message.session_id)) {
    const session = sessions.get(message.session_id);
    setState(session, message.state);
    if (message.state === 'stopped' && message.reason) session.fields.exit.textContent = `${message.reason}${message.exit_code != null ? ` (${message.exit_code})` : ''}`;
  }
}

async function main() {
  const status = (text) => (document.getElementById('connection').textContent = text);
  const token = takeToken();
  if (!token) return status('no credential: open the dashboard with weftctl dashboard');
  connection = new Connection(token, onEvent, status);
  if (!(await connection.open())) return;
  const installed = await connection.request({ type: 'QUERY_INSTALLED_APPS' });
  if (installed.type === 'INSTALLED_APPS') renderApps(installed.apps);
  const running = await connection.request({ type: 'QUERY_RUNNING' });
  if (running.type === 'RUNNING_APPS') for (const s of running.sessions) trackSession(s.session_id, s.app_id);
  const loop = async () => {
    await poll();
    setTimeout(loop, POLL_MS);
  };
  void loop();
}

void main();
