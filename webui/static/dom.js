// Small DOM helpers. Everything from item data or the server is put in the page
// as text (never as HTML), so an attribute holding "<script>" shows as text.

// h('button', {class: 'x', onClick: f}, 'label', child…) builds an element.
// Props: class, text, on<Event>, value (set as a property), booleans toggle
// the attribute of that name, anything else is an attribute.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'value') el.value = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false)
    .map((c) => (c instanceof Node ? c : String(c))));
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// A message in the corner: errors stay until closed, the rest fade.
export function notify(text, kind = 'info') {
  const box = document.getElementById('toasts');
  const toast = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { text }),
    h('button', { class: 'close', title: 'close', onClick: () => toast.remove() }, '×'));
  box.append(toast);
  if (kind !== 'error') setTimeout(() => toast.remove(), 4000);
  while (box.children.length > 5) box.firstElementChild.remove();
}

// A modal question; resolves to true when the user confirms.
export function confirmBox(message, okLabel = 'OK') {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm' },
      h('p', { text: message }),
      h('div', { class: 'buttons' },
        h('button', { value: 'cancel', onClick: () => dialog.close('cancel') }, 'Cancel'),
        h('button', { class: 'danger', value: 'ok', onClick: () => dialog.close('ok') }, okLabel)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Offers `text` to the user as a file download.
export function download(filename, text, type = 'application/x-ndjson') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
