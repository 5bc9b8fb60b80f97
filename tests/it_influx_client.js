// Integration test with a client akari did not write: InfluxData's own
// JavaScript client (@influxdata/influxdb-client, pinned in
// tests/node/package.json) writes points to a real `akari serve` through
// its WriteApi with gzip on, and the readings are checked back through
// akari's JSON API over plain HTTP.
//
// Expected values are computed here from the points this test writes.
// ctest sets AKARI (the binary) and AKARI_SOURCE_DIR; the test ends with
// the line "N passed, N failed".
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const AKARI = process.env.AKARI || 'akari';
const SOURCE_DIR = process.env.AKARI_SOURCE_DIR ||
  path.join(__dirname, '..');
// 2022-06-27T00:00:00Z
const T0 = Date.UTC(2022, 5, 27) / 1000;

let passed = 0;
let failed = 0;

function eq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g === w) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${what}: got ${g}, want ${w}`);
  }
}

// The client from tests/node (installed by scripts/install-deps.sh), or
// failing that one installed now from the same lock file into the
// build directory.
function loadClient() {
  const dirs = [path.join(SOURCE_DIR, 'tests', 'node'),
    path.join(process.cwd(), 'node')];
  const name = '@influxdata/influxdb-client';
  for (const dir of dirs) {
    try {
      return require(require.resolve(name, {paths: [dir]}));
    } catch (e) {
      // not there; try the next place
    }
  }
  const dir = dirs[1];
  fs.mkdirSync(dir, {recursive: true});
  for (const f of ['package.json', 'package-lock.json'])
    fs.copyFileSync(path.join(dirs[0], f), path.join(dir, f));
  childProcess.execFileSync('npm', ['ci', '--no-audit', '--no-fund',
    '--prefix', dir], {stdio: 'inherit'});
  return require(require.resolve(name, {paths: [dir]}));
}

// Counts the bodies the client gzips: it calls zlib.gzip at write time.
let gzipped = 0;
const realGzip = zlib.gzip;
zlib.gzip = function (...args) {
  gzipped++;
  return realGzip.apply(this, args);
};

function cli(db, ...args) {
  return childProcess.execFileSync(AKARI,
    [args[0], args[1], '--db', db, ...args.slice(2)],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
}

// Starts `akari serve` on a free port; resolves to {proc, url}.
function serve(db) {
  const log = fs.openSync(db + '.serve.log', 'a');
  const proc = childProcess.spawn(AKARI,
    ['serve', '--db', db, '--listen', '127.0.0.1:0'],
    {stdio: ['ignore', 'pipe', log]});
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m)
        resolve({proc, url: m[1]});
    });
    proc.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({status: res.statusCode,
        body: JSON.parse(body)}));
    }).on('error', reject);
  });
}

// [[unix seconds, value], ...] of key around T0.
async function readings(url, key) {
  const r = await getJson(`${url}/api/v1/points/${key}/readings` +
    `?from=${T0 - 86400}&to=${T0 + 86400}`);
  eq(r.status, 200, `readings of ${key}`);
  return (r.body.readings || []).map((x) =>
    [Date.parse(x.ts) / 1000, x.value]);
}

async function health(url) {
  return (await getJson(url + '/api/v1/health')).body.readings;
}

// Writes points and closes the WriteApi; resolves to the error or null.
async function writeAll(client, points, options) {
  const api = client.getWriteApi('town', 'meters', 's', options);
  api.writePoints(points);
  try {
    await api.close();
    return null;
  } catch (e) {
    return e;
  }
}

async function main() {
  const {InfluxDB, Point, HttpError, setLogger} = loadClient();
  // The refusals below are expected; the client would print each one.
  setLogger({error() {}, warn() {}});
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'akari-it-'));
  const db = path.join(work, 'client.db');

  cli(db, 'site', 'add', 'hall', '--kind', 'building', '--tz',
    'Asia/Tokyo');
  cli(db, 'point', 'add', 'hall/power', '--site', 'hall', '--quantity',
    'power', '--unit', 'kW');
  cli(db, 'point', 'add', 'hall/door', '--site', 'hall', '--quantity',
    'state', '--unit', 'state', '--kind', 'state');
  const token = cli(db, 'device', 'add', '--site', 'hall', 'gw').trim();
  eq(token.length, 43, 'token length');

  const {proc, url} = await serve(db);
  const options = {gzipThreshold: 0, flushInterval: 0, maxRetries: 0,
    batchSize: 5000};
  try {
    const client = new InfluxDB({url, token});

    // A day's worth of minutes would do; 240 one-minute readings, a
    // float field, and the door as a boolean every 30 minutes.
    const points = [];
    const power = [];
    const door = [];
    for (let i = 0; i < 240; i++) {
      const v = Math.round(1000 * Math.sin(i / 20)) / 100;
      points.push(new Point('hall').floatField('power', v)
        .timestamp(T0 + 60 * i));
      power.push([T0 + 60 * i, v]);
      if (i % 30 === 0) {
        points.push(new Point('x').tag('point', 'hall/door')
          .booleanField('value', i % 60 === 0).timestamp(T0 + 60 * i));
        door.push([T0 + 60 * i, i % 60 === 0 ? 1 : 0]);
      }
    }
    const before = gzipped;
    eq(await writeAll(client, points, options), null, 'write error');
    eq(gzipped > before, true, 'the client gzipped its body');
    eq(await readings(url, 'hall/power'), power, 'power readings');
    eq(await readings(url, 'hall/door'), door, 'door readings');
    const stored = await health(url);
    eq(stored, power.length + door.length, 'readings stored');

    // Refusals reach the client as its own HttpError with our status.
    const unknown = await writeAll(client,
      [new Point('nope').floatField('v', 1).timestamp(T0)], options);
    eq(unknown instanceof HttpError, true, 'unknown point: HttpError');
    eq(unknown && unknown.statusCode, 404, 'unknown point: status');
    eq(unknown && unknown.json && unknown.json.message,
      'line 1: no point "nope/v"', 'unknown point: message');

    const bad = new InfluxDB({url, token: 'not-a-token'});
    const denied = await writeAll(bad,
      [new Point('hall').floatField('power', 1).timestamp(T0)], options);
    eq(denied && denied.statusCode, 401, 'wrong token: status');
    eq(await health(url), stored, 'refusals stored nothing');
  } finally {
    proc.kill('SIGTERM');
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed || !passed ? 1 : 0;
}

main().catch((e) => {
  console.log(`FAIL ${e.stack || e}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
