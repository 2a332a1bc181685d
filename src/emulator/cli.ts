/**
 * `npm run emulator -- --port 8787 --token demo --seed 1 [generator options] [--truth-file truth.json]`
 * Starts the Evotor Cloud emulator on 127.0.0.1 and prints its URL, the token it accepts and its stores.
 * `--help` lists every option.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Faults } from './faults.ts';
import type { GeneratorOptions, OfflinePeriod } from './generator/options.ts';
import { RATE_LIMIT_SCOPES, startEmulator, type EmulatorOptions, type RateLimitScope, type RunningEmulator } from './server.ts';
import type { RuntimeStore } from './store.ts';

const HELP = `Evotor Cloud emulator (Node, 127.0.0.1 only)

Server:
  --port <n>                  port (default 8787; 0 = random)
  --token <t>                 the token the emulator accepts (default emulator-token)
  --scopes <a,b,...>          scopes of that token (default: all)
  --page-size <n>             documents per page (default 1000)
  --product-page-size <n>     products per page (default 1000)
  --rate-limit <n/s | off>    requests per window per token and URI (default 1000/60)
  --rate-limit-scope <token+uri | token>
                              what one counter covers (default token+uri, as the reference says;
                              token: every request of a token shares one limit, e.g. all PATCHes)
  --v1-history-months <n>     V1 documents older than this are refused (default 6)
  --not-paid                  every store answers 402
Stores (generator):
  --stores <n>                number of stores (default 1; store k > 0 uses seed "<seed>/k")
  --seed <s>                  seed (default 1)
  --products <n>              catalogue size (default 60)
  --terminals <n>             smart terminals (default 1)
  --months <n> | --days <n>   length of the history (default 3 months)
  --docs-per-day <n>          average documents per day (default 40)
  --end <date|ms|now>         end of the history (default now; tests use a fixed date)
  --offline <t:from/to>       a terminal offline period, repeatable (e.g. 1:2025-03-01T00:00Z/2025-03-02T12:00Z)
  --random-offline <n>        random offline periods
  --cloud-edits <n>           stock edits in the cloud without a document
  --api-version <v2|v1>       v1: a V1-era store (no settlement methods, sets or complete inventories)
  --settlement-style <evotor|upper|sdk|mixed>
  --cloud-quantities <zeroed|truth|stale>   what GET products starts with (default zeroed)
  --initial-stock <accept|import>
  --complete-inventory-every <days>         (default 45; 0 = never)
  --complete-inventory-max-lines <n>        (default 1000)
  --no-corrections            no CORRECTION documents
  --unaccepted <n>            selling products never accepted: their stock goes below zero (default 0)
Faults:
  --latency <ms> --latency-jitter <ms> --error-rate <0..1> --hang-rate <0..1> --drop-rate <0..1>
  --burst-429 <n> --token-expires-after <n> --malformed-rate <0..1> --malformed-seed <s> --fault-match <regex>
Output:
  --truth-file <path>         write the ground truth of every store as JSON
  --truth-per-document        include the truth after every document (large)
  --generate-only             generate, write the truth file, print timings and memory, and exit
`;

function parse() {
  return parseArgs({
  options: {
    help: { type: 'boolean' },
    port: { type: 'string' },
    token: { type: 'string' },
    scopes: { type: 'string' },
    'page-size': { type: 'string' },
    'product-page-size': { type: 'string' },
    'rate-limit': { type: 'string' },
    'rate-limit-scope': { type: 'string' },
    'v1-history-months': { type: 'string' },
    'not-paid': { type: 'boolean' },
    stores: { type: 'string' },
    seed: { type: 'string' },
    products: { type: 'string' },
    terminals: { type: 'string' },
    months: { type: 'string' },
    days: { type: 'string' },
    'docs-per-day': { type: 'string' },
    end: { type: 'string' },
    offline: { type: 'string', multiple: true },
    'random-offline': { type: 'string' },
    'cloud-edits': { type: 'string' },
    'api-version': { type: 'string' },
    'settlement-style': { type: 'string' },
    'cloud-quantities': { type: 'string' },
    'initial-stock': { type: 'string' },
    'complete-inventory-every': { type: 'string' },
    'complete-inventory-max-lines': { type: 'string' },
    'no-corrections': { type: 'boolean' },
    unaccepted: { type: 'string' },
    latency: { type: 'string' },
    'latency-jitter': { type: 'string' },
    'error-rate': { type: 'string' },
    'hang-rate': { type: 'string' },
    'drop-rate': { type: 'string' },
    'burst-429': { type: 'string' },
    'token-expires-after': { type: 'string' },
    'malformed-rate': { type: 'string' },
    'malformed-seed': { type: 'string' },
    'fault-match': { type: 'string' },
    'truth-file': { type: 'string' },
    'truth-per-document': { type: 'boolean' },
    'generate-only': { type: 'boolean' },
  },
  strict: true,
  });
}

let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (e) {
  process.stderr.write(`emulator: ${(e as Error).message}\nTry --help.\n`);
  process.exit(2);
}
const { values } = parsed;

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\nTry --help.\n`);
  process.exit(2);
}

function offlinePeriods(list: string[] | undefined): OfflinePeriod[] {
  return (list ?? []).map((text) => {
    const m = /^(\d+):(.+)\/(.+)$/.exec(text);
    if (!m) fail(`--offline ${text}: expected <terminal>:<from>/<to>`);
    return { terminal: Number(m[1]), from: /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!, to: /^\d+$/.test(m[3]!) ? Number(m[3]) : m[3]! };
  });
}

const store: Partial<GeneratorOptions> & { paid?: boolean } = {};
const set = <K extends keyof GeneratorOptions>(key: K, value: GeneratorOptions[K] | undefined) => {
  if (value !== undefined) store[key] = value;
};
set('seed', values.seed);
set('products', num(values.products));
set('terminals', num(values.terminals));
set('months', num(values.months));
set('days', num(values.days));
set('docsPerDay', num(values['docs-per-day']));
store.endTime = values.end === undefined ? 'now' : /^\d+$/.test(values.end) ? Number(values.end) : values.end;
if (values.offline) store.offline = offlinePeriods(values.offline);
set('randomOffline', num(values['random-offline']));
set('cloudEdits', num(values['cloud-edits']));
set('apiVersion', values['api-version'] as GeneratorOptions['apiVersion'] | undefined);
set('settlementStyle', values['settlement-style'] as GeneratorOptions['settlementStyle'] | undefined);
set('cloudQuantities', values['cloud-quantities'] as GeneratorOptions['cloudQuantities'] | undefined);
set('initialStock', values['initial-stock'] as GeneratorOptions['initialStock'] | undefined);
set('completeInventoryEveryDays', num(values['complete-inventory-every']));
set('completeInventoryMaxLines', num(values['complete-inventory-max-lines']));
set('unaccepted', num(values.unaccepted));
if (values['no-corrections']) store.corrections = false;
if (values['not-paid']) store.paid = false;

const faults: Partial<Faults> = {};
const setFault = <K extends keyof Faults>(key: K, value: Faults[K] | undefined) => {
  if (value !== undefined) faults[key] = value;
};
setFault('latencyMs', num(values.latency));
setFault('latencyJitterMs', num(values['latency-jitter']));
setFault('errorRate', num(values['error-rate']));
setFault('hangRate', num(values['hang-rate']));
setFault('dropRate', num(values['drop-rate']));
setFault('burst429', num(values['burst-429']));
setFault('tokenExpiresAfter', num(values['token-expires-after']));
setFault('malformedRate', num(values['malformed-rate']));
setFault('malformedSeed', values['malformed-seed']);
setFault('match', values['fault-match']);

let rateLimit: EmulatorOptions['rateLimit'];
if (values['rate-limit'] === 'off') rateLimit = null;
else if (values['rate-limit']) {
  const m = /^(\d+)\/(\d+)$/.exec(values['rate-limit']);
  if (!m) fail('--rate-limit: expected <requests>/<seconds> or off');
  rateLimit = { limit: Number(m[1]), windowSeconds: Number(m[2]) };
}
const scope = values['rate-limit-scope'];
if (scope !== undefined) {
  if (!RATE_LIMIT_SCOPES.includes(scope as RateLimitScope)) fail(`--rate-limit-scope: expected ${RATE_LIMIT_SCOPES.join(' or ')}`);
  if (rateLimit === null) fail('--rate-limit-scope needs a rate limit (not --rate-limit off)');
  rateLimit = { ...(rateLimit ?? { limit: 1000, windowSeconds: 60 }), scope: scope as RateLimitScope };
}

const options: EmulatorOptions = {
  port: num(values.port) ?? 8787,
  token: values.token ?? 'emulator-token',
  stores: num(values.stores) ?? 1,
  store,
  faults,
};
if (values.scopes) options.scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
if (values['page-size']) options.pageSize = Number(values['page-size']);
if (values['product-page-size']) options.productPageSize = Number(values['product-page-size']);
if (rateLimit !== undefined) options.rateLimit = rateLimit;
if (values['v1-history-months']) options.v1HistoryMonths = Number(values['v1-history-months']);

async function writeTruth(path: string, stores: RuntimeStore[], perDocument: boolean): Promise<void> {
  if (!perDocument) {
    writeFileSync(path, JSON.stringify({ stores: stores.map((s) => s.truthJson()) }, null, 1));
    return;
  }
  // Streamed: per-document truth of a large store does not fit one string.
  const out = createWriteStream(path);
  const write = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve())));
  await write('{"stores":[');
  for (let i = 0; i < stores.length; i++) {
    const s = stores[i]!;
    const head = JSON.stringify(s.truthJson());
    await write(`${i > 0 ? ',' : ''}${head.slice(0, -1)},"documents":[`);
    let first = true;
    const chunk: string[] = [];
    for (const entry of s.documentTruth(-Infinity, Infinity, Number.MAX_SAFE_INTEGER)) {
      chunk.push((first ? '' : ',') + JSON.stringify(entry));
      first = false;
      if (chunk.length >= 1000) await write(chunk.splice(0).join('\n'));
    }
    await write(chunk.join('\n') + ']}');
  }
  await write(']}\n');
  await new Promise<void>((resolve) => out.end(resolve));
}

async function main(): Promise<void> {
  const began = performance.now();
  let running: RunningEmulator;
  try {
    running = await startEmulator(options);
  } catch (e) {
    process.stderr.write(`emulator: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const stores = [...running.state.stores.values()];
  const mem = process.memoryUsage();
  if (values['truth-file']) await writeTruth(values['truth-file'], stores, values['truth-per-document'] === true);
  const lines = [
    'Evotor Cloud emulator',
    `  URL:    ${running.url}`,
    `  Token:  ${running.token}`,
    `  Admin:  ${running.url}/__emulator`,
    ...stores.map(
      (s) =>
        `  Store:  ${s.id}  ${s.name}: ${s.documentCount} documents, ${s.products.length} products, ${s.gen.options.terminals} terminal(s), generated in ${Math.round(s.gen.stats.generationMs)} ms`,
    ),
    `  Memory: rss ${Math.round(mem.rss / 2 ** 20)} MB, heap ${Math.round(mem.heapUsed / 2 ** 20)} MB (start-up ${Math.round(performance.now() - began)} ms)`,
  ];
  if (values['truth-file']) lines.push(`  Truth:  ${values['truth-file']}`);
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(`EMULATOR_READY ${JSON.stringify({ url: running.url, token: running.token, stores: stores.map((s) => s.id) })}\n`);
  if (values['generate-only']) {
    await running.close();
    return;
  }
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
