// The dashboard page: signs in with the token in the address's fragment (put there by
// `meshwork dashboard`; a fragment never reaches a server or a log), then polls the JSON API and
// redraws what changed, without reloading.
import * as api from './api.js';
import * as views from './views.js';

const POLL_MILLIS = 1000;
let selected = null;
let timer = null;
// Polling runs from the first sign-in until the session ends.
let stopped = true;

async function signInFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get('token');
  if (!token) {
    return;
  }
  // Out of the address bar and the history before anything else: the token is spent either way.
  history.replaceState(null, '', window.location.pathname);
  await api.signIn(token);
}

async function refresh() {
  try {
    // Everything is fetched first and drawn together, so the list and the job's grid never show
    // two different moments.
    const [list, checkpoint] = await Promise.all([api.jobs(), api.log()]);
    const members = list.operator ? await api.executors() : null;
    if (!list.jobs.some((j) => j.id === selected)) {
      selected = list.jobs.length > 0 ? list.jobs[0].id : null;
    }
    const detail = selected ? await api.job(selected) : null;
    views.notice('');
    views.mana(list);
    views.log(checkpoint);
    if (members) {
      views.executors(members);
    } else {
      views.executorsHidden();
    }
    views.jobs(list, selected, select);
    if (detail) {
      views.jobDetail(detail);
    } else {
      views.clearJobDetail();
    }
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) {
      signedOut('Your session has ended. Run "meshwork dashboard" to open a new one.');
      return;
    }
    views.notice(`Could not refresh: ${e.message}`);
  }
}

function select(id) {
  selected = id;
  refresh();
}

// The next refresh starts a while after the last one ended, so a slow answer never piles calls up.
async function poll() {
  await refresh();
  if (!stopped) {
    timer = setTimeout(poll, POLL_MILLIS);
  }
}

function signedOut(text) {
  stopped = true;
  clearTimeout(timer);
  document.getElementById('panels').hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('who').textContent = 'signed out';
  views.notice(text);
}

// Signs in (again, when a new address from `meshwork dashboard` is opened in the same tab: only
// its fragment changes, so the page is not loaded anew) and starts polling if it is not already.
async function enter() {
  // Nothing of the previous identity's view stays on screen while the new one loads.
  document.getElementById('panels').hidden = true;
  let session;
  try {
    await signInFromFragment();
    session = await api.session();
  } catch (e) {
    signedOut(`Not signed in (${e.message}). Run "meshwork dashboard" to open the dashboard with a fresh token.`);
    return;
  }
  selected = null;
  views.clearJobDetail();
  await refresh();
  document.getElementById('panels').hidden = false;
  views.who(session);
  if (stopped) {
    stopped = false;
    timer = setTimeout(poll, POLL_MILLIS);
  }
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await api.signOut();
  signedOut('Signed out.');
});
window.addEventListener('hashchange', enter);
enter();
