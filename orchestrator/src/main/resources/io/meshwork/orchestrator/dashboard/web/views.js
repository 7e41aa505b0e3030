// Renders the API's documents into the page. Everything from the API is set as text, never as
// HTML: job errors, reasons and names come from other people.

const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name === 'title') node.title = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A DID shortened for a table, whole in its tooltip. */
export function shortDid(did) {
  if (!did) return '–';
  return did.length > 24 ? `${did.slice(0, 14)}…${did.slice(-6)}` : did;
}

const time = (millis) => (millis ? new Date(millis).toLocaleTimeString() : '–');
const number = (n) => Number(n).toLocaleString('en');

export function who(session) {
  $('who').textContent = `${session.operator ? 'operator' : 'user'} ${session.did}`;
  $('sign-out').hidden = false;
}

export function notice(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

export function mana(list) {
  $('mana-budget').textContent = number(list.mana.budget);
  $('mana-spent').textContent = number(list.mana.spent);
  $('mana-refunded').textContent = number(list.mana.refunded);
}

export function log(checkpoint) {
  if (checkpoint.error) {
    $('log-size').textContent = checkpoint.error;
    return;
  }
  $('log-size').textContent = number(checkpoint.treeSize);
  $('log-root').textContent = checkpoint.rootHash || '–';
  $('log-checkpoint').textContent = checkpoint.signedNote;
}

export function executors(list) {
  $('executors-note').hidden = true;
  $('executors').hidden = false;
  const rows = list.executors.map((e) =>
    el('tr', { 'data-executor': e.did },
      el('td', { class: 'mono', title: `${e.did}\n${e.endpoint}` }, shortDid(e.did)),
      el('td', {}, e.state),
      el('td', {}, `${e.runningTasks} running, ${e.queuedTasks} queued of ${e.taskSlots} slots`),
      el('td', {}, e.reputation.toFixed(3)),
      el('td', {}, `${e.verified} / ${e.caught} / ${e.failed}`),
      el('td', {}, number(e.earned)),
      el('td', {}, time(e.lastHeartbeatAt))));
  $('executors').tBodies[0].replaceChildren(...rows);
}

export function executorsHidden() {
  $('executors-note').hidden = false;
  $('executors').hidden = true;
}

function bar(job) {
  const percent = Math.round(job.progress * 100);
  const fill = el('span');
  fill.style.width = `${percent}%`;
  return el('span', { class: 'bar', title: `${percent}%` }, fill);
}

export function jobs(list, selected, onSelect) {
  const rows = list.jobs.map((job) => {
    const row = el('tr', { 'data-job': job.id, class: job.id === selected ? 'selected' : '' },
      el('td', { class: 'mono' }, job.id),
      el('td', { class: 'mono', title: job.submitter }, shortDid(job.submitter)),
      el('td', {}, el('span', { class: `state job-state ${job.state}` }, job.state),
        job.error ? el('div', { class: 'hint' }, job.error) : ''),
      el('td', {}, bar(job),
        el('span', { class: 'progress-count' }, `${job.completedChunks}/${job.totalChunks}`),
        ' chunks'),
      el('td', {}, `${number(job.mana.budget)} / ${number(job.mana.spent)} / ${number(job.mana.refunded)}`),
      el('td', {}, time(job.submittedAt)));
    row.addEventListener('click', () => onSelect(job.id));
    return row;
  });
  $('jobs').tBodies[0].replaceChildren(...rows);
  $('jobs-empty').hidden = list.jobs.length > 0;
}

function chunkBox(chunk, label) {
  const state = chunk.delegated ? 'delegated' : chunk.state;
  const detail = chunk.executor ? `, by ${chunk.executor} for ${chunk.price}` : '';
  return el('span', {
    class: `chunk ${state}`,
    'data-chunk': String(chunk.index),
    'data-state': chunk.state,
    title: `${label} ${chunk.index}: ${state}${detail}, ${chunk.attempts} placement(s)`,
  });
}

export function jobDetail(detail) {
  $('job-detail').hidden = false;
  $('detail-id').textContent = detail.job.id;
  $('chunks').replaceChildren(...detail.chunks.map((c) => chunkBox(c, 'chunk')));
  $('merge').textContent = detail.merge
    ? `merge: ${detail.merge.state}${detail.merge.executor ? ` by ${shortDid(detail.merge.executor)}` : ''}`
    : '';
  const rows = detail.placements.map((p) =>
    el('tr', {},
      el('td', {}, p.export === 'merge' ? 'merge' : `chunk ${p.chunk}`, el('div', { class: 'hint' }, `attempt ${p.attempt}`)),
      el('td', {}, p.role),
      el('td', { class: 'mono', title: p.winner }, shortDid(p.winner)),
      el('td', {}, p.price),
      el('td', {}, p.reason),
      el('td', {}, el('ul', { class: 'bids' }, ...p.bids.map((b) =>
        el('li', { class: b.won ? 'won' : 'lost', title: b.executor },
          `${shortDid(b.executor)}: ${b.price} mana, score ${b.score.toFixed(3)} — ${b.reason}`)),
        ...p.refusals.map((r) => el('li', { class: 'refused', title: r.executor },
          `${shortDid(r.executor)}: ${r.reason}`)))),
      el('td', {}, p.outcome)));
  $('placements').tBodies[0].replaceChildren(...rows);
}

/** Empties the job panel, so that nothing of a job stays on screen once it is not shown. */
export function clearJobDetail() {
  $('job-detail').hidden = true;
  $('detail-id').textContent = '';
  $('chunks').replaceChildren();
  $('merge').textContent = '';
  $('placements').tBodies[0].replaceChildren();
}
