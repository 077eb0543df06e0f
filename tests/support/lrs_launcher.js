// Starts Learning Locker's statements service (npm xapi-statements@5.0.1) in this process, on 127.0.0.1
// only, behind a Basic credential check of ours (the package's "test" auth repo accepts any token).
//
// Usage: node lrs_launcher.js --port N --user U --password P --dir DIR
// Prints "ready <port>" on stdout once listening. Exits on SIGTERM/SIGINT, or when stdin closes (so a
// killed test run never leaves an orphan LRS behind).
//
// Work-arounds for the package as published:
// - its server.js listens on every interface and takes no host; we build the same express app from its
//   own factories (translatorFactory, serviceFactory, expressPresenter) and call listen(port, '127.0.0.1').
// - its config is read from the environment at require time, so the environment is set first.
// - its access log (morgan) writes into ./storage/accessLogs by default; we point it into DIR.
'use strict';

const path = require('path');

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', '0'));
const user = arg('user', 'skillbite');
const password = arg('password', 'skillbite');
const dir = path.resolve(arg('dir', '.'));

Object.assign(process.env, {
  MODELS_REPO: 'memory',
  EVENTS_REPO: 'test',
  AUTH_REPO: 'test',
  STORAGE_REPO: 'local',
  FS_LOCAL_STORAGE_DIR: path.join(dir, 'storage'),
  EXPRESS_MORGAN_DIRECTORY: path.join(dir, 'accessLogs'),
  EXPRESS_PORT: String(port),
  WINSTON_CONSOLE_LEVEL: process.env.LRS_LOG_LEVEL || 'error',
  SERVICE_AWAIT_UPDATES: 'true',
});

const root = path.join(__dirname, '..', '..', 'node_modules', 'xapi-statements', 'dist');
// express as the package itself resolves it (hoisted or nested, depending on the npm install).
const express = require(require.resolve('express', { paths: [root] }));
const config = require(path.join(root, 'config')).default;
const translatorFactory = require(path.join(root, 'translatorFactory')).default;
const serviceFactory = require(path.join(root, 'serviceFactory')).default;
const expressPresenter = require(path.join(root, 'expressPresenter')).default;
const constants = require(path.join(root, 'utils', 'constants'));
const logger = require(path.join(root, 'logger')).default;
const tracker = require(path.join(root, 'tracker')).default;
const repo = require(path.join(root, 'repo', 'factory')).default;

const expected = 'Basic ' + Buffer.from(user + ':' + password).toString('base64');

const presenter = expressPresenter({
  llClientInfoEndpoint: config.llClientInfoEndpoint,
  customRoute: config.express.customRoute,
  customRouteText: config.express.customRouteText,
  morganDirectory: config.express.morganDirectory,
  bodyParserLimit: config.express.bodyParserLimit,
  service: serviceFactory(),
  tracker,
  translator: translatorFactory(),
  logger,
});

const app = express();
app.get('/__alive', (req, res) => res.send('ok'));
app.use((req, res, next) => {
  // Like most LRSs, the about resource is public (xAPI 1.0.3 Part 3 §2.1.4 does not require auth for it).
  if (req.method === 'OPTIONS' || req.path === '/xAPI/about' || req.headers.authorization === expected) return next();
  res.set('WWW-Authenticate', 'Basic realm="lrs"');
  res.status(401).json({ message: 'Unauthorised: wrong or missing Basic credentials' });
});
// Test helper: forget every statement (the memory repo is shared by the whole process).
app.post('/__clear', (req, res) => {
  repo.clearRepo().then(() => res.status(204).end(), (err) => res.status(500).send(String(err)));
});
app.use(constants.aboutRoute, presenter.aboutRouter);
app.use(constants.fullActivitiesRoute, presenter.fullActivitiesRouter);
app.use(constants.statementsRoute, presenter.statementsRouter);

const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write('ready ' + server.address().port + '\n');
});
server.on('error', (err) => {
  process.stderr.write('lrs_launcher: ' + err.message + '\n');
  process.exit(2);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
