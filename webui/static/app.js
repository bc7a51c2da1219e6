// The web UI talks to ddb-local through the DynamoDB API on the same port, as
// any client does. The credential scope names the namespace it browses.
const accessKey = new URLSearchParams(location.search).get('key') || 'local';
const region = new URLSearchParams(location.search).get('region') || 'us-east-1';

async function dynamo(op, body) {
  const res = await fetch('/', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${op}`,
      'Authorization': `AWS4-HMAC-SHA256 Credential=${accessKey}/20250101/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${data.__type}: ${data.message}`);
  return data;
}

async function refresh() {
  document.getElementById('ns').textContent = `${accessKey} / ${region}`;
  const list = document.getElementById('tables');
  try {
    const { TableNames } = await dynamo('ListTables', {});
    list.replaceChildren(...TableNames.map((name) => {
      const li = document.createElement('li');
      li.textContent = name;
      return li;
    }));
    document.getElementById('status').textContent = 'connected';
  } catch (e) {
    document.getElementById('status').textContent = e.message;
  }
}

refresh();
setInterval(refresh, 2000);
