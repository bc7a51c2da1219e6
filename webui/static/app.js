// Entry point: the two views (cluster, data browser) selected by the URL's
// hash, and the connection status in the header.

import { startCluster, onSnapshot } from './cluster.js';
import { startTables } from './tables.js';
import { errorText } from './api.js';

function showView() {
  const view = location.hash === '#data' ? 'data' : 'cluster';
  for (const el of document.querySelectorAll('.view')) el.hidden = el.id !== `view-${view}`;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
}

function showStatus(snap, error) {
  const status = document.getElementById('status');
  if (!snap) {
    status.textContent = `disconnected: ${errorText(error)}`;
    status.className = 'status bad';
    return;
  }
  const up = snap.nodes.filter((n) => n.up).length;
  status.textContent = `${up}/${snap.nodes.length} nodes up · ${snap.tables.filter((t) => !t.globalIndexOf).length} tables (all namespaces)`;
  status.className = `status ${up === snap.nodes.length ? 'good' : 'warn'}`;
}

window.addEventListener('hashchange', showView);
showView();
startCluster(document.getElementById('view-cluster'));
onSnapshot(showStatus);
startTables();
