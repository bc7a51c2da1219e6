// The UI's only ways out: the DynamoDB JSON API on POST / (the UI is a real
// DynamoDB client, so errors are DynamoDB's own) and the admin API under
// /admin/. Also holds the namespace (access key id + region) the data browser
// uses, kept in localStorage.

const kNamespaceKey = 'ddb-local.namespace';
const kDefaultNamespace = { accessKey: 'local', region: 'us-east-1' };
const namespaceListeners = [];

export function getNamespace() {
  try {
    const ns = JSON.parse(localStorage.getItem(kNamespaceKey));
    if (ns && typeof ns.accessKey === 'string' && ns.accessKey && typeof ns.region === 'string' && ns.region) {
      return { accessKey: ns.accessKey, region: ns.region };
    }
  } catch { /* a bad value reads as the default */ }
  return { ...kDefaultNamespace };
}

export function setNamespace(ns) {
  localStorage.setItem(kNamespaceKey, JSON.stringify({ accessKey: ns.accessKey, region: ns.region }));
  for (const listener of namespaceListeners) listener(getNamespace());
}

export function onNamespaceChange(listener) {
  namespaceListeners.push(listener);
}

// The name the cluster gives a namespace in /admin/cluster ("<key>_<region>").
export function clusterNamespace(ns) {
  return `${ns.accessKey}_${ns.region}`;
}

// An error as DynamoDB (or the admin API, or the network) reported it.
export class ApiError extends Error {
  constructor(type, message, status) {
    super(message);
    this.type = type;      // DynamoDB's __type, e.g. com.amazonaws.dynamodb.v20120810#ResourceNotFoundException
    this.status = status;  // HTTP status, 0 when ddb-local did not answer
  }

  get shortType() {
    return this.type.split('#').pop();
  }
}

// One line for the user: "ValidationException: <DynamoDB's message>".
export function errorText(e) {
  if (e instanceof ApiError) return e.message ? `${e.shortType}: ${e.message}` : e.shortType;
  return String(e && e.message ? e.message : e);
}

async function send(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError('NetworkError', `ddb-local did not answer (${e.message})`, 0);
  }
  const text = await res.text();
  let data = {};
  try {
    if (text) data = JSON.parse(text);
  } catch {
    throw new ApiError(`HTTP ${res.status}`, text.slice(0, 300), res.status);
  }
  return { res, data };
}

// Calls DynamoDB operation `op` with request `body`. Numbers in DynamoDB JSON
// are strings, so JSON.parse/stringify keep every digit.
export async function dynamo(op, body) {
  const { accessKey, region } = getNamespace();
  const { res, data } = await send('/', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${op}`,
      'Authorization': `AWS4-HMAC-SHA256 Credential=${accessKey}/20250101/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new ApiError(data.__type || `HTTP ${res.status}`, data.message ?? data.Message ?? '', res.status);
  return data;
}

// GET /admin/<path>, or POST it with `body`.
export async function admin(path, body) {
  const init = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) };
  const { res, data } = await send(`/admin/${path}`, init);
  if (!res.ok) throw new ApiError(`admin ${res.status}`, data.error || '', res.status);
  return data;
}

// DELETE /admin/<path>.
export async function adminDelete(path) {
  const { res, data } = await send(`/admin/${path}`, { method: 'DELETE' });
  if (!res.ok) throw new ApiError(`admin ${res.status}`, data.error || '', res.status);
  return data;
}
