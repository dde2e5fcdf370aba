// The pipe dashboard: polls the JSON API once a second and updates the tables in place (rows are
// kept by id, so a button does not vanish under the pointer between two refreshes). Text from the
// server is always set with textContent, never parsed as HTML.
"use strict";

const REFRESH_MS = 1000;
const CLOSE_REASON = "closed by an operator from the admin dashboard";

const $ = (id) => document.getElementById(id);

function formatBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)) + " " + units[unit];
}

function formatRate(bytesPerSecond) {
  return formatBytes(bytesPerSecond) + "/s";
}

function formatSince(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
  if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min ago";
  return Math.floor(seconds / 86400) + " d ago";
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || response.status + " " + response.statusText);
  }
  return body;
}

// Finds the row for key, or makes one with a cell per column; returns the cells by column name.
function row(tbody, key, columns, build) {
  let tr = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
  if (!tr) {
    tr = document.createElement("tr");
    tr.dataset.key = key;
    for (const [name, label, className] of columns) {
      const td = document.createElement("td");
      td.dataset.label = label;
      td.className = name + (className ? " " + className : "");
      tr.appendChild(td);
    }
    build(tr);
    tbody.appendChild(tr);
  }
  tr.dataset.seen = "yes";
  const cells = {};
  for (const td of tr.children) cells[td.className.split(" ")[0]] = td;
  return { tr, cells };
}

function sweep(tbody) {
  for (const tr of [...tbody.children]) {
    if (tr.dataset.seen !== "yes") tr.remove();
    else delete tr.dataset.seen;
  }
}

const TUNNEL_COLUMNS = [
  ["name", "Name"],
  ["type", "Type"],
  ["port", "Public port or names"],
  ["client", "Client"],
  ["connections", "Connections", "num"],
  ["bytes-in", "Bytes in", "num"],
  ["bytes-out", "Bytes out", "num"],
  ["rate", "Rate in / out", "num"],
  ["actions", "", "actions"],
];

// Where users reach a tunnel: its port, or for http and https tunnels the names it holds on the
// port they share. A relay tunnel has no public port: visitors reach it through circuits.
function publicAddress(tunnel) {
  if (tunnel.type === "relay") {
    return "none (relay)";
  }
  return tunnel.hosts.length > 0 ? tunnel.hosts.join(" ") + " (:" + tunnel.port + ")" : String(tunnel.port);
}

function renderTunnels(tunnels) {
  const tbody = $("tunnels").querySelector("tbody");
  for (const tunnel of tunnels) {
    const { tr, cells } = row(tbody, tunnel.id, TUNNEL_COLUMNS, (tr) => {
      const button = document.createElement("button");
      button.className = "close danger";
      button.type = "button";
      button.textContent = "Close";
      button.addEventListener("click", () => confirmClose(tr));
      tr.querySelector("td.actions").appendChild(button);
    });
    tr.dataset.id = tunnel.id;
    tr.dataset.name = tunnel.name;
    tr.dataset.port = tunnel.port;
    tr.dataset.type = tunnel.type;
    tr.dataset.reachedAt = publicAddress(tunnel);
    tr.dataset.client = tunnel.client.address;
    tr.dataset.bytesIn = tunnel.bytesIn;
    tr.dataset.bytesOut = tunnel.bytesOut;
    cells["name"].textContent = tunnel.name;
    cells["name"].classList.add("name");
    if (!cells["type"].firstChild) {
      const badge = document.createElement("span");
      badge.className = "badge";
      cells["type"].appendChild(badge);
    }
    cells["type"].firstChild.textContent = tunnel.type;
    cells["port"].textContent = publicAddress(tunnel);
    cells["client"].textContent = tunnel.client.address;
    cells["connections"].textContent = tunnel.connections + " / " + tunnel.connectionsTotal;
    cells["connections"].title = "open now / since the tunnel opened";
    cells["connections"].classList.toggle("live", tunnel.connections > 0);
    cells["bytes-in"].textContent = formatBytes(tunnel.bytesIn);
    cells["bytes-in"].title = tunnel.bytesIn + " bytes from users";
    cells["bytes-out"].textContent = formatBytes(tunnel.bytesOut);
    cells["bytes-out"].title = tunnel.bytesOut + " bytes to users";
    cells["rate"].textContent = formatRate(tunnel.rateIn) + " / " + formatRate(tunnel.rateOut);
  }
  sweep(tbody);
  $("no-tunnels").hidden = tunnels.length > 0;
  $("tunnels").hidden = tunnels.length === 0;
}

const CLIENT_COLUMNS = [
  ["address", "Address"],
  ["user", "User"],
  ["version", "Version"],
  ["since", "Connected since"],
  ["tunnels", "Tunnels", "num"],
];

function renderClients(clients) {
  const tbody = $("clients").querySelector("tbody");
  for (const client of clients) {
    const { cells } = row(tbody, client.id, CLIENT_COLUMNS, () => {});
    cells["address"].textContent = client.address;
    cells["user"].textContent = client.user;
    cells["version"].textContent = client.version;
    cells["since"].textContent = formatSince(client.since);
    cells["since"].title = client.since;
    cells["tunnels"].textContent = client.tunnels;
  }
  sweep(tbody);
  $("no-clients").hidden = clients.length > 0;
  $("clients").hidden = clients.length === 0;
}

function renderTotals(clients, tunnels) {
  const sum = (key) => tunnels.reduce((total, tunnel) => total + tunnel[key], 0);
  $("total-clients").textContent = clients.length;
  $("total-tunnels").textContent = tunnels.length;
  $("total-connections").textContent = sum("connections");
  $("total-rate").textContent = formatRate(sum("rateIn")) + " in\n" + formatRate(sum("rateOut")) + " out";
}

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function confirmClose(tr) {
  const dialog = $("confirm-close");
  $("confirm-name").textContent = tr.dataset.name;
  const what = tr.dataset.type === "relay"
    ? "The relay reservation ends and its circuits are cut. "
    : tr.dataset.reachedAt + " stops accepting users and its open connections are cut. ";
  $("confirm-text").textContent = what +
    "The client at " + tr.dataset.client + " is told why and does not reopen the tunnel until it restarts.";
  dialog.dataset.id = tr.dataset.id;
  dialog.returnValue = "";
  dialog.showModal();
}

async function closeTunnel(id) {
  const response = await fetch("/api/tunnels/" + encodeURIComponent(id) + "?reason=" + encodeURIComponent(CLOSE_REASON), {
    method: "DELETE",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || response.status + " " + response.statusText);
  }
  return body;
}

async function refresh() {
  try {
    const [server, clients, tunnels] = await Promise.all([
      getJson("/api/server"),
      getJson("/api/clients"),
      getJson("/api/tunnels"),
    ]);
    $("server").textContent = "version " + server.version + " · control port " + server.controlPort +
      " · up since " + new Date(server.startedAt).toLocaleString();
    renderTunnels(tunnels.tunnels);
    renderClients(clients.clients);
    renderTotals(clients.clients, tunnels.tunnels);
    setStatus("updated " + new Date().toLocaleTimeString(), false);
  } catch (error) {
    setStatus("cannot reach the server: " + error.message, true);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const dialog = $("confirm-close");
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "close") return;
    try {
      const closed = await closeTunnel(dialog.dataset.id);
      const where = closed.type === "relay" ? " (relay)" : " at " + publicAddress(closed);
      setStatus("closed tunnel " + closed.name + where, false);
    } catch (error) {
      setStatus("could not close the tunnel: " + error.message, true);
    }
  });
  refresh();
});
